import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/bench/result.js';
import { figure } from '../../src/report/svg.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { skipWebGpu } from '../support/webgpu-required.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());

function tilerun(env: Record<string, string>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 380_000, env: { ...process.env, ...env } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A tiny bench: one 64x64 input, 32x32 tiles, one repeat, small bandwidth arrays. */
const TINY = ['bench', '--size', '64', '--tile', '32', '--repeats', '1', '--bandwidth-mib', '8'];

describe('tilerun bench', () => {
  it('measures the CPU pool on a tiny input: JSON with runs, bandwidth, peers or notes, and a self-contained HTML report', () => {
    const report = join(dir.path, 'report.html');
    const { code, stdout, stderr } = tilerun({}, ...TINY, '--kernel', 'tile-stats,downsample', '--devices', 'cpu', '--json', '--report', report);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.settings).toMatchObject({ kernels: ['tile-stats', 'downsample'], sizes: [64], tiles: [32], repeats: 1, dtype: 'u8' });
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      expect(run).toMatchObject({ size: 64, tile: 32, label: 'cpu', devices: ['cpu'], tiles: 4, bytes: 64 * 64, times: [expect.any(Number)] });
      expect(run.gigabytesPerSecond).toBeCloseTo(run.bytes / run.seconds / 1e9, 12);
      expect(run.tilesPerSecond).toBeCloseTo(4 / run.seconds, 6);
      expect(run.perDevice).toEqual([expect.objectContaining({ id: 'cpu', tiles: 4, share: 1 })]);
      expect(run.perDevice[0]!.utilisation).toBeGreaterThan(0);
      expect(run.perDevice[0]!.utilisation).toBeLessThanOrEqual(1.0001);
    }
    expect(result.bandwidth.js.read).toBeGreaterThan(0);
    expect(result.bandwidth.js.copy).toBeGreaterThan(0);
    expect(result.bandwidth.reference.gigabytesPerSecond).toBe(result.bandwidth.c ? result.bandwidth.c.read : result.bandwidth.js.read);
    // Every peer with a version of a kernel either ran or is named in a note.
    for (const [peer, kernels] of [['C', ['tile-stats', 'downsample']], ['numpy', ['tile-stats', 'downsample']], ['dask', ['tile-stats', 'downsample']], ['OpenCV', ['tile-stats', 'downsample']]] as const) {
      const ran = result.peers.filter((p) => p.peer === peer);
      if (ran.length === 0) expect(result.notes.some((note) => note.startsWith(`${peer}: `)), `${peer} neither ran nor was noted: ${result.notes.join(' | ')}`).toBe(true);
      else expect(ran.map((p) => p.kernel).sort()).toEqual([...kernels].sort());
      // A peer that prints a checksum did the same work as tilerun.
      for (const p of ran) expect(p.check === 'same' || p.check === '-', `${peer} ${p.kernel}: ${p.check} ${p.error ?? ''}`).toBe(true);
    }
    expect(result.timeline).not.toBeNull();
    expect(result.timeline!.batches.length).toBeGreaterThan(0);
    expect(result.timeline!.lanes.length).toBeGreaterThan(0);

    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    // One throughput chart per kernel and size, and the timeline.
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('Timeline: tile-stats u8 64x64, tile 32');
    for (const run of result.runs) expect(html).toContain(`>${figure(run.gigabytesPerSecond)}<`);
    expect(html).toContain(figure(result.bandwidth.reference.gigabytesPerSecond));
    for (const peer of result.peers) if (peer.gigabytesPerSecond !== null) expect(html).toContain(`>${figure(peer.gigabytesPerSecond)}<`);
    // Written atomically: no temporary file is left beside it.
    expect(existsSync(join(dir.path, '.report.html.tmp'))).toBe(false);
    // The peers start interpreters (dask alone imports for seconds): on a loaded machine this takes minutes.
  }, 400_000);

  it('skips missing peers with a note and still exits 0 (no compiler on PATH, no python)', () => {
    const empty = join(dir.path, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const { code, stdout, stderr } = tilerun({ PATH: empty, CC: '', TILERUN_PYTHON: join(empty, 'python3') }, ...TINY, '--devices', 'cpu');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^kernel\s+size\s+tile\s+devices\s+GB\/s\s+tiles\/s/m);
    expect(stdout).toContain('C: no C compiler on PATH');
    for (const peer of ['numpy', 'dask', 'OpenCV']) expect(stdout).toContain(`${peer}: no python (${join(empty, 'python3')}: not found): skipped`);
    expect(stdout).not.toContain('peers, the same job');
  }, 300_000);

  it.skipIf(skipWebGpu)('measures each device alone and all together (cpu, webgpu), shares adding up to every tile', () => {
    const { code, stdout, stderr } = tilerun({ TILERUN_PYTHON: '/nonexistent/python3' }, ...TINY, '--size', '128', '--devices', 'cpu,webgpu', '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as BenchResult;
    expect(result.runs.map((r) => r.label)).toEqual([expect.stringMatching(/^webgpu:/), 'cpu', 'all']);
    const all = result.runs[2]!;
    expect(all.devices).toHaveLength(2);
    expect(all.perDevice.reduce((sum, d) => sum + d.tiles, 0)).toBe(16);
    expect(all.perDevice.reduce((sum, d) => sum + d.share, 0)).toBeCloseTo(1, 12);
    expect(result.timeline!.label).toContain('all devices');
  }, 300_000);

  it.each([
    [['--kernel', 'tile-stats,nope'], /--kernel: unknown kernel 'nope': accepted are tile-stats, histogram, convolve, downsample, map/],
    [['--size', '0'], /--size must be an integer from 1 to 32768, got '0'/],
    [['--tile', '64,x'], /--tile must be an integer from 1 to \d+, got 'x'/],
    [['--devices', 'tpu'], /unknown device 'tpu' in --devices tpu: accepted are auto, cpu, webgpu, gpujs/],
    [['--dtype', 'i8'], /--dtype: unknown dtype 'i8': accepted are u8, u16, f32/],
    [['--repeats', '-1'], /--repeats must be an integer from 1 to 100/],
    [['--report', 'out.pdf'], /--report out.pdf: unsupported output format '.pdf': accepted are .html, .htm/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('refuses bad flags %j with exit code 2, naming what is accepted', (flags, message) => {
    const { code, stderr } = tilerun({}, 'bench', ...flags);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
