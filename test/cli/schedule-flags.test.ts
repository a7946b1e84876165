import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { temporaryDirectory, writeNpy } from '../support/fixtures.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());
/** Each test file gets its own model cache, so what one run learns is what the next one finds. */
const cache = join(dir.path, 'cache');

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TILERUN_CACHE_DIR: cache } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

interface TraceEvent {
  name: string;
  ph: string;
  tid: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

describe('--trace, --explain, --recalibrate and tilerun plan', () => {
  let npy: string;
  beforeAll(() => {
    npy = join(dir.path, 'image.npy');
    writeNpy(npy, arrayFromElements('u16', 300, 257, 1, Array.from({ length: 300 * 257 }, (_, i) => (i * 7919) % 65536)));
  });

  it('plan before any run says there is no model, and why', () => {
    const { code, stdout, stderr } = tilerun('plan', 'tile-stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '32', '--json');
    expect(code, stderr).toBe(0);
    const plan = JSON.parse(stdout) as { predictedSeconds: number | null; notes: string[]; tiles: number };
    expect(plan.predictedSeconds).toBeNull();
    expect(plan.tiles).toBe(10 * 9);
    expect(plan.notes.join('\n')).toMatch(/cpu has no performance model for this job/);
  });

  it('--trace writes a Chrome trace: a track per lane, a slice per batch with predicted and actual time', () => {
    const trace = join(dir.path, 'run.trace.json');
    const { code, stdout, stderr } = tilerun('run', 'tile-stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '32', '--trace', trace, '--json');
    expect(code, stderr).toBe(0);
    expect(() => JSON.parse(stdout), `stdout: ${stdout.slice(0, 200)} stderr: ${stderr.slice(0, 500)}`).not.toThrow(); // stdout stays pure JSON
    expect(stderr).toMatch(/wrote trace/);
    const events = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
    const lanes = events.filter((e) => e.name === 'thread_name').map((e) => e.args!.name);
    expect(lanes).toEqual(['passes', 'cpu lane 0', 'cpu lane 1']);
    // Two passes: the u16 histogram range comes from a first pass.
    expect(events.filter((e) => e.name.startsWith('pass ')).map((e) => e.name)).toEqual(['pass 1: tile-stats', 'pass 2: tile-stats']);
    const batches = events.filter((e) => e.ph === 'X' && e.name.startsWith('tiles '));
    // Every tile once, counting the run that settled each range: on a loaded machine a straggler
    // may be run twice (a backup), and the run that lost the race is traced too.
    const settled = batches.filter((e) => e.args!.error === undefined && !String(e.args!.reason).includes('lost the race'));
    const tiles = settled.reduce((sum, e) => sum + (e.args!.tiles as number), 0);
    expect(tiles).toBe(2 * 90);
    for (const batch of batches) {
      expect(batch.dur).toBeGreaterThan(0);
      expect(batch.args).toHaveProperty('predictedMs');
      expect(typeof batch.args!.reason).toBe('string');
    }
    expect(batches.some((e) => e.args!.predictedMs !== null)).toBe(true);
  });

  it('--explain prints per-device figures and the reasons for the split', () => {
    const { code, stdout, stderr } = tilerun('stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '32', '--explain');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/pass 2: tile-stats, 90 tiles of 32x32, policy dmda/);
    expect(stdout).toMatch(/device\s+tiles\s+share\s+bytes\s+busy\s+util\s+speed\s+batches/);
    expect(stdout).toMatch(/- cpu: model loaded from the cache and refined; [\d.]+ GB\/s per lane/);
  });

  it('plan predicts from the models the runs stored, and --recalibrate starts again', () => {
    const planned = tilerun('plan', 'tile-stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '32', '--json');
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { predictedSeconds: number; devices: { id: string; tiles: number; modelBatches: number }[] };
    expect(plan.predictedSeconds).toBeGreaterThan(0);
    expect(plan.devices).toEqual([expect.objectContaining({ id: 'cpu', tiles: 90 })]);
    expect(plan.devices[0]!.modelBatches).toBeGreaterThan(0);
    const again = tilerun('stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '32', '--explain', '--recalibrate');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/- cpu: uncalibrated at the start/);
  });

  it('refuses a trace path that is not .json before doing any work', () => {
    const bad = join(dir.path, 'trace.txt');
    const { code, stderr } = tilerun('stats', npy, '--trace', bad);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--trace.*\.json/);
    expect(existsSync(bad)).toBe(false);
  });
});
