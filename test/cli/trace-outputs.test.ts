import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements } from '../../src/array/array-view.js';
import { temporaryDirectory, writeNpy } from '../support/fixtures.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());
const cache = join(dir.path, 'cache');

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { cwd: dir.path, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TILERUN_CACHE_DIR: cache } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('--trace next to other outputs', () => {
  let npy: string;
  beforeAll(() => {
    npy = join(dir.path, 'image.npy');
    writeNpy(npy, arrayFromElements('u8', 64, 64, 1, Array.from({ length: 64 * 64 }, (_, i) => i % 251)));
  });

  it('run --out r.json --trace r.json: the result file must not be silently replaced by the trace (refuse, exit 2)', () => {
    const out = join(dir.path, 'r.json');
    const { code, stdout } = tilerun('run', 'tile-stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '16', '--out', out, '--trace', out);
    const written = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
    expect({ code, isTrace: 'traceEvents' in written, said: /wrote trace/.test(stdout) }).toEqual({ code: 2, isTrace: false, said: false });
  });

  it('stats --out s.json --trace s.json: same', () => {
    const out = join(dir.path, 's.json');
    const { code } = tilerun('stats', npy, '--devices', 'cpu', '--threads', '2', '--tile', '16', '--out', out, '--trace', out);
    const written = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
    expect({ code, isTrace: 'traceEvents' in written }).toEqual({ code: 2, isTrace: false });
  });

  it('a run that fails (a kernel that throws on one tile) still writes the --trace it was asked for, with its faults', () => {
    const module = join(dir.path, 'throws.mjs');
    writeFileSync(
      module,
      `export default {
  name: 'throws', kind: 'reduction', description: 'tile sums', params: [], tolerance: 'exact',
  halo: () => 0, validateParams() {}, partialBytes: () => 8,
  cpu(view, tiles) { return tiles.map((t) => { if (t.index === 5) throw new Error('bad tile 5 in my kernel'); return 1; }); },
  merge: (a, b) => a + b,
};
`,
    );
    const trace = join(dir.path, 'failed.trace.json');
    const { code, stderr } = tilerun('run', '--kernel', module, npy, '--devices', 'cpu', '--threads', '2', '--tile', '16', '--trace', trace);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/bad tile 5 in my kernel/);
    expect(existsSync(trace)).toBe(true);
  });
});
