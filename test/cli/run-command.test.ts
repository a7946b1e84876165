import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { readInput } from '../../src/io/read-input.js';
import { temporaryDirectory, writeNpy } from '../support/fixtures.js';
import { skipWebGpu } from '../support/webgpu-required.js';

const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const example = fileURLToPath(new URL('../../kernels/examples/dilate.js', import.meta.url));
const dir = temporaryDirectory();
afterAll(() => dir.remove());

function tilerun(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** An independent dilation (nearest boundary) to check the example against. */
function naiveDilate(view: ArrayView, radius: number): number[] {
  const data = elementsOf(view);
  const out: number[] = [];
  const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < view.height; y++) {
    for (let x = 0; x < view.width; x++) {
      for (let c = 0; c < view.channels; c++) {
        let best = -Infinity;
        for (let dy = -radius; dy <= radius; dy++) {
          for (let dx = -radius; dx <= radius; dx++) {
            best = Math.max(best, data[(clamp(y + dy, view.height) * view.width + clamp(x + dx, view.width)) * view.channels + c]!);
          }
        }
        out.push(best);
      }
    }
  }
  return out;
}

describe('tilerun run and tilerun kernels', () => {
  let input: string;
  let view: ArrayView;
  beforeAll(() => {
    input = join(dir.path, 'u8.npy');
    view = arrayFromElements('u8', 23, 37, 2, Array.from({ length: 23 * 37 * 2 }, (_, i) => (i * 7919) % 256));
    writeNpy(input, view);
  });

  it('kernels lists the built-ins with their parameters, as text and as JSON', () => {
    const text = tilerun('kernels');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/tile-stats \(reduction; cpu, webgpu/);
    expect(text.stdout).toMatch(/-p bins=\.\.\..*default 256/);
    const json = tilerun('kernels', '--json');
    expect(json.code).toBe(0);
    const kernels = JSON.parse(json.stdout) as { name: string; params: { name: string; accepted: string }[] }[];
    expect(kernels.map((k) => k.name)).toContain('tile-stats');
    expect(kernels.find((k) => k.name === 'tile-stats')!.params.map((p) => p.name)).toEqual(['bins', 'range']);
  });

  it('runs the README example kernel module on every device kind and writes the same array', async () => {
    const kinds = skipWebGpu ? ['cpu', 'gpujs'] : ['cpu', 'webgpu', 'gpujs', 'cpu,webgpu,gpujs'];
    const expected = naiveDilate(view, 2);
    for (const devices of kinds) {
      const out = join(dir.path, `dilate-${devices.replace(/,/g, '-')}.npy`);
      const result = tilerun('run', example, input, '-p', 'radius=2', '--tile', '8', '--devices', devices, '-o', out);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/kernel dilate, 15 tiles of 8x8 with a 2-element halo/);
      const written = await readInput(out);
      expect([written.dtype, written.height, written.width, written.channels]).toEqual(['u8', 23, 37, 2]);
      expect(Array.from(elementsOf(written)), devices).toEqual(expected);
    }
  });

  it('devices names the gpu.js kernel class that really runs', () => {
    const result = tilerun('devices', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { gpujs: { kind: string; backend: string; software: boolean } };
    // No GL context in this process (headless-gl is not installed): gpu.js falls back to WebAssembly.
    expect(report.gpujs).toMatchObject({ kind: 'gpujs', backend: 'WebAssemblyKernel', software: true });
    expect(tilerun('devices').stdout).toMatch(/gpujs: gpu\.js WebAssemblyKernel[\s\S]*auto leaves it out/);
  });

  it('takes the module through --kernel too, and reports JSON', () => {
    const result = tilerun('run', '--kernel', example, input, '--devices', 'cpu', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { kernel: string; output: { dtype: string; path: null }; passes: number };
    expect(report).toMatchObject({ kernel: 'dilate', output: { dtype: 'u8', path: null }, passes: 1 });
  });

  it('runs a TypeScript kernel module (through tsx) in the CPU worker threads', async () => {
    const file = join(dir.path, 'invert.ts');
    writeFileSync(
      file,
      `interface View { dtype: string; height: number; width: number; channels: number; buffer: SharedArrayBuffer; byteOffset: number }
interface Tile { y: number; x: number; height: number; width: number }
const invert = {
  name: 'invert',
  kind: 'map' as const,
  cpu(view: View, tiles: Tile[], _params: unknown, out: View): void {
    const input = new Uint8Array(view.buffer, view.byteOffset, view.height * view.width * view.channels);
    const output = new Uint8Array(out.buffer, out.byteOffset, out.height * out.width * out.channels);
    for (const tile of tiles) {
      for (let y = tile.y; y < tile.y + tile.height; y++) {
        for (let i = (y * view.width + tile.x) * view.channels; i < (y * view.width + tile.x + tile.width) * view.channels; i++) {
          output[i] = 255 - input[i]!;
        }
      }
    }
  },
};
export default invert;
`,
    );
    const out = join(dir.path, 'inverted.npy');
    const result = tilerun('run', file, input, '--devices', 'cpu', '--threads', '2', '--tile', '8', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    expect(Array.from(elementsOf(await readInput(out)))).toEqual(Array.from(elementsOf(view), (v) => 255 - v));
  });

  it('runs a built-in reduction by name and writes its JSON', () => {
    const out = join(dir.path, 'stats.json');
    const result = tilerun('run', 'tile-stats', input, '-p', 'bins=4', '--devices', 'cpu', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  describe('rejects bad kernels and parameters before any work, naming the problem', () => {
    const cases: [string, () => string[], RegExp][] = [
      ['unknown built-in', () => ['run', 'no-such-kernel', input], /unknown kernel 'no-such-kernel': built-in kernels are .*tile-stats/],
      ['unknown parameter', () => ['run', example, input, '-p', 'size=3'], /kernel dilate has no parameter 'size': accepted are radius, boundary, value/],
      ['parameter out of range', () => ['run', example, input, '-p', 'radius=9'], /parameter radius must be an integer from 1 to 7, got '9'/],
      ['bad choice', () => ['run', example, input, '-p', 'boundary=wrap'], /parameter boundary must be one of reflect, nearest, constant, periodic, got 'wrap'/],
      ['missing module', () => ['run', './nope/kernel.js', input], /kernel module .*nope\/kernel\.js does not exist/],
      ['output format that cannot hold the dtype', () => ['run', example, join(dir.path, 'f.npy'), '-o', join(dir.path, 'f.png')], /PNG holds u8 or u16 samples but this output is f32/],
    ];
    for (const [name, args, message] of cases) {
      it(name, () => {
        writeNpy(join(dir.path, 'f.npy'), arrayFromElements('f32', 4, 4, 1, new Array(16).fill(1.5)));
        const before = readdirSync(dir.path).length;
        const result = tilerun(...args());
        expect(result.code, result.stdout + result.stderr).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(readdirSync(dir.path).length).toBe(before);
      });
    }
  });

  describe('malformed kernel modules are rejected with the file name', () => {
    const modules: [string, string, RegExp, number][] = [
      ['no reference', `export default { name: 'bad', kind: 'map', wgsl: 'fn compute() {}' };`, /bad-1\.js: cpu\(view, tiles, params\[, out\]\) is required/, 2],
      ['not an object', `export default 42;`, /bad-2\.js: must export a kernel object/, 2],
      ['syntax error', `export default {;`, /bad-3\.js failed to load/, 2],
      ['wrong output size', `export default { name: 'bad', kind: 'map', cpu() {}, output: (v) => ({ dtype: 'u8', height: v.height + 1, width: v.width, channels: v.channels, factor: 1 }) };`, /bad-4\.js.*wrong output size: output 24x37 does not match the input 23x37/, 2],
      [
        'WGSL that fails to compile',
        `export default { name: 'bad', kind: 'map', cpu() {}, wgsl: 'fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32 {\\n  return undefined_thing;\\n}' };`,
        /bad-5\.js: WGSL of kernel bad failed to compile:\nline 2:\d+: .*undefined_thing/,
        2,
      ],
      [
        'gpu.js function that cannot be built',
        `export default { name: 'bad', kind: 'map', cpu() {}, gpujsFunction: function (band, extra, info) { return notDefinedAnywhere; } };`,
        /bad-6\.js: gpu\.js could not build kernel bad: .*not defined/,
        2,
      ],
    ];
    modules.forEach(([name, source, message, code], i) => {
      it.skipIf(skipWebGpu && name.startsWith('WGSL'))(name, () => {
        const file = join(dir.path, `bad-${i + 1}.js`);
        writeFileSync(file, source);
        const out = join(dir.path, `bad-${i + 1}.npy`);
        const devices = name.startsWith('WGSL') ? 'webgpu' : name.startsWith('gpu.js') ? 'gpujs' : 'cpu';
        const result = tilerun('run', file, input, '--devices', devices, '-o', out);
        expect(result.code, result.stdout + result.stderr).toBe(code);
        expect(result.stderr).toMatch(message);
        expect(existsSync(out)).toBe(false);
      });
    });
  });
});
