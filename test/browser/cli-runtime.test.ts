/**
 * The browser runtime from the command line: a browser's devices beside Node's
 * (`--devices browser:cpu,cpu`, one scheduler over both) and a batch of inputs run with
 * `--runtime browser`; both give the Node run's results.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import { encodeNpy } from '../../src/io/npy.js';
import { skipBrowser, testBrowser } from '../support/browser-required.js';
import { LAUNCHER } from '../support/tilerun-process.js';

const run = promisify(execFile);
let root: string;
let inputs: string;

function tilerun(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [LAUNCHER, ...args], { maxBuffer: 64 << 20, timeout: 150_000, env: { ...process.env, ...env } });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tilerun-cli-runtime-test-'));
  inputs = join(root, 'inputs');
  mkdirSync(inputs);
  for (const [name, seed] of [['a', 1], ['b', 7]] as const) {
    const view = allocateArray('u16', 700, 900, 1);
    const elements = elementsOf(view);
    for (let i = 0; i < elements.length; i++) elements[i] = ((i + seed) * 2654435761) >>> 16;
    writeFileSync(join(inputs, `${name}.npy`), encodeNpy(view));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(skipBrowser)('browser runtime on the command line', () => {
  it('--devices browser:cpu,cpu spreads one run over the page and Node and gives the Node result', async () => {
    const input = join(inputs, 'a.npy');
    const node = JSON.parse((await tilerun(['stats', input, '--devices', 'cpu', '--json', '--tile', '128'])).stdout) as { whole: unknown };
    const mixed = JSON.parse((await tilerun(['stats', input, '--devices', 'browser:cpu,cpu', '--browser', testBrowser(), '--json', '--tile', '128'])).stdout) as {
      whole: unknown;
      devices: { id: string; tiles: number }[];
    };
    expect(mixed.whole).toEqual(node.whole);
    expect(mixed.devices.map((device) => device.id).sort()).toEqual(['browser:cpu', 'cpu']);
    expect(mixed.devices.reduce((sum, device) => sum + device.tiles, 0)).toBe(Math.ceil(700 / 128) * Math.ceil(900 / 128));
  }, 300_000);

  it('a batch with --runtime browser writes the same results as a Node batch', async () => {
    const nodeOut = join(root, 'node-out');
    const browserOut = join(root, 'browser-out');
    await tilerun(['stats', inputs, '--out-dir', nodeOut, '--devices', 'cpu', '--quiet', '--tile', '256']);
    await tilerun(['stats', inputs, '--out-dir', browserOut, '--runtime', 'browser', '--browser', testBrowser(), '--devices', 'cpu', '--quiet', '--tile', '256']);
    const results = (dir: string) =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.json') && !name.startsWith('summary') && !name.startsWith('.'))
        .sort()
        .map((name) => ({ name, whole: (JSON.parse(readFileSync(join(dir, name), 'utf8')) as { whole: unknown }).whole }));
    const expected = results(nodeOut);
    expect(expected.map((entry) => entry.name)).toEqual(['a.json', 'b.json']);
    expect(results(browserOut)).toEqual(expected);
    const summary = JSON.parse(readFileSync(join(browserOut, 'summary.json'), 'utf8')) as unknown;
    expect(JSON.stringify(summary)).toContain('browser:cpu');
  }, 300_000);

  it('plan --runtime browser predicts from the models a browser run stored', async () => {
    const env = { TILERUN_CACHE_DIR: join(root, 'models') };
    const args = ['tile-stats', join(inputs, 'a.npy'), '--runtime', 'browser', '--browser', testBrowser(), '--devices', 'cpu', '--tile', '128'];
    const before = JSON.parse((await tilerun(['plan', ...args, '--json'], env)).stdout) as { predictedSeconds: number | null };
    expect(before.predictedSeconds).toBeNull();
    await tilerun(['run', ...args, '--json'], env);
    const after = JSON.parse((await tilerun(['plan', ...args, '--json'], env)).stdout) as { predictedSeconds: number | null; devices: { id: string; tiles: number }[] };
    expect(after.predictedSeconds).toBeGreaterThan(0);
    expect(after.devices.map((device) => [device.id, device.tiles])).toEqual([['browser:cpu', Math.ceil(700 / 128) * Math.ceil(900 / 128)]]);
  }, 300_000);

  it('refuses browser:<kind> under --runtime browser, naming the two ways', async () => {
    const failure = await tilerun(['stats', join(inputs, 'a.npy'), '--runtime', 'browser', '--devices', 'browser:cpu']).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toMatch(/--devices browser:\.\.\. adds a browser's devices to Node's/);
  }, 60_000);
});
