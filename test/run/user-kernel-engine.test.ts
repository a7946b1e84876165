/**
 * What the engine owes kernel modules beyond the built-ins: a first pass with a reduction the
 * module builds itself, parameters that prepare() changes, and pipelines cached per parameters.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKernelModule } from '../../kernels/load-module.js';
import { parseParams } from '../../kernels/params.js';
import { arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import type { WebGpuDevice } from '../../src/devices/webgpu.js';
import { runKernel } from '../../src/run.js';
import { randomSource } from '../support/awkward-arrays.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

const dir = temporaryDirectory();
const kit = fileURLToPath(new URL('../../kernels/kit.ts', import.meta.url));
const dilate = fileURLToPath(new URL('../../kernels/examples/dilate.js', import.meta.url));

function module(name: string, source: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, source);
  return file;
}

function randomU8(height: number, width: number): ArrayView {
  const random = randomSource(height * 7 + width);
  return arrayFromElements('u8', height, width, 1, Array.from({ length: height * width }, () => Math.floor(random() * 256)));
}

describe('kernel modules and the engine', () => {
  let cpu: CpuPoolDevice;
  let gpu: WebGpuDevice | null = null;
  beforeAll(async () => {
    cpu = new CpuPoolDevice({ threads: 2 });
    if (!skipWebGpu) gpu = await openWebGpu();
  });
  afterAll(async () => {
    await cpu.close();
    await gpu?.close();
    dir.remove();
  });

  it('runs a first pass with a reduction the module builds itself (on the main thread), never a built-in of that name', async () => {
    const file = module(
      'stretch.ts',
      `import { elementsOf } from ${JSON.stringify(kit)};
// Named like a built-in on purpose: the workers must not run tile-stats in its place.
const maximum = {
  name: 'tile-stats', kind: 'reduction' as const, description: '', params: [], tolerance: '',
  halo: () => 0, validateParams() {}, partialBytes: () => 8,
  cpu(view: any, tiles: any[]) {
    const a = elementsOf(view);
    return tiles.map((t) => { let m = 0; for (let y = t.y; y < t.y + t.height; y++) for (let x = t.x; x < t.x + t.width; x++) m = Math.max(m, a[y * view.width + x]!); return m; });
  },
  merge: (a: number, b: number) => Math.max(a, b),
};
export default {
  name: 'stretch', kind: 'map' as const,
  async prepare(_view: any, params: any, reduce: any) { return { ...params, max: await reduce(maximum, {}) }; },
  cpu(view: any, tiles: any[], params: any, out: any) {
    const a = elementsOf(view); const o = elementsOf(out);
    for (const t of tiles) for (let y = t.y; y < t.y + t.height; y++) for (let x = t.x; x < t.x + t.width; x++) o[y * view.width + x] = Math.floor((a[y * view.width + x]! * 100) / params.max);
  },
};
`,
    );
    const kernel = await loadKernelModule(file);
    const view = arrayFromElements('u8', 3, 4, 1, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200]);
    const result = await runKernel(kernel, view, {}, { devices: [cpu], tile: 2 });
    expect(result.passes).toBe(2);
    expect(result.params).toMatchObject({ max: 200 });
    expect(Array.from(elementsOf(result.output!))).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 100]);
    expect(result.notes.join('\n')).toMatch(/kernel tile-stats ran on the main thread/);
  });

  it('plans the grid from the parameters prepare() returns (a halo it widens)', async () => {
    const file = module(
      'dilate-wider.mjs',
      `import dilate from ${JSON.stringify(dilate)};
export default { ...dilate, name: 'dilate-wider', async prepare(_view, params) { return { ...params, radius: 3 }; } };
`,
    );
    const kernel = await loadKernelModule(file);
    const reference = await loadKernelModule(dilate);
    const view = randomU8(61, 47);
    const params = parseParams('dilate', reference.params, ['radius=1']);
    const expected = elementsOf((await runKernel(reference, view, { ...params, radius: 3 }, { devices: [cpu], tile: 16 })).output!);
    const gpujs = await GpuJsDevice.open();
    try {
      const devices: [string, Device][] = [['cpu', cpu], ['gpujs', gpujs], ...(gpu ? ([['webgpu', gpu]] as [string, Device][]) : [])];
      for (const [name, device] of devices) {
        const result = await runKernel(kernel, view, params, { devices: [device], tile: 16 });
        expect(result.grid.halo, name).toBe(3);
        expect(Array.from(elementsOf(result.output!)), name).toEqual(Array.from(expected));
      }
    } finally {
      await gpujs.close();
    }
  });

  it.skipIf(skipWebGpu)('caches a module\'s own WGSL per parameters, so a reused device compiles each variant', async () => {
    const file = module(
      'scale.ts',
      `import { elementsOf, mapShaderSource, mapUniforms } from ${JSON.stringify(kit)};
export default {
  name: 'scale', kind: 'map' as const,
  params: [{ name: 'k', type: 'number' as const, default: 2, description: 'factor' }],
  cpu(view: any, tiles: any[], params: any, out: any) {
    const a = elementsOf(view); const o = elementsOf(out);
    for (const t of tiles) for (let y = t.y; y < t.y + t.height; y++) for (let x = t.x; x < t.x + t.width; x++) o[y * view.width + x] = a[y * view.width + x]! * params.k;
  },
  webgpu: {
    // The factor is baked into the source: the default cache key must tell the variants apart.
    shaderSource: (view: any, params: any, wg: number) =>
      mapShaderSource(view, wg, \`fn compute(t: TileDesc, oy: u32, ox: u32, c: u32) -> f32 { return load(t.y + oy, t.x + ox, c) * \${params.k.toFixed(1)}; }\`),
    uniforms: (view: any, _params: any, band: any) => mapUniforms(view, band, 0),
  },
};
`,
    );
    const kernel = await loadKernelModule(file);
    const view = arrayFromElements('f32', 2, 2, 1, [1, 2, 3, 4]);
    for (const k of [2, 10]) {
      const result = await runKernel(kernel, view, parseParams('scale', kernel.params, [`k=${k}`]), { devices: [gpu!] });
      expect(Array.from(elementsOf(result.output!))).toEqual([1, 2, 3, 4].map((v) => v * k));
    }
    // This shader writes f32 (no packedOutput): the host converts to u8 with the shared rule.
    const bytes = arrayFromElements('u8', 2, 2, 1, [1, 2, 3, 4]);
    const converted = await runKernel(kernel, bytes, parseParams('scale', kernel.params, ['k=2.5']), { devices: [gpu!] });
    expect(Array.from(elementsOf(converted.output!))).toEqual([2, 5, 8, 10]);
  });

  it("stitches with a reduction module's mergeAll where it answers, and with the tree of merges where it gives undefined", async () => {
    const file = module(
      'total.ts',
      `import { elementsOf } from ${JSON.stringify(kit)};
export default {
  name: 'total', kind: 'reduction' as const, description: '', params: [],
  cpu(view: any, tiles: any[]) {
    const a = elementsOf(view);
    return tiles.map((t) => { let s = 0; for (let y = t.y; y < t.y + t.height; y++) for (let x = t.x; x < t.x + t.width; x++) s += a[y * view.width + x]!; return s; });
  },
  merge: (a: number, b: number) => a + b,
  // Integer sums are exact: all at once is the tree's answer. Marked (+0.5), so the test sees which ran.
  mergeAll: (partials: number[]) => (partials.length > 4 ? partials.reduce((a, b) => a + b, 0) + 0.5 : undefined),
};
`,
    );
    const kernel = await loadKernelModule(file);
    const view = randomU8(9, 11);
    const expected = Array.from(elementsOf(view)).reduce((a, b) => a + b, 0);
    // 9 tiles of 4x4 (and edges): mergeAll answers (its mark shows); 4 tiles of 8x8 (edges too): it declines.
    expect((await runKernel(kernel, view, {}, { devices: [cpu], tile: 4, models: false })).whole).toBe(expected + 0.5);
    expect((await runKernel(kernel, view, {}, { devices: [cpu], tile: 8, models: false })).whole).toBe(expected);
    const map = module('map-merge-all.mjs', `export default { name: 'x', kind: 'map', cpu() {}, mergeAll: () => 0 };\n`);
    await expect(loadKernelModule(map)).rejects.toThrow(/map-merge-all\.mjs: .*mergeAll, where given, must be a function \(partials\) => partial, and only a reduction merges/);
  });

  it('refuses parameter specs that would let values through unchecked', async () => {
    const file = module('bad-spec.mjs', `export default { name: 'x', kind: 'map', cpu() {}, params: [{ name: 'n', type: 'integer', description: '' }] };\n`);
    await expect(loadKernelModule(file)).rejects.toThrow(/bad-spec\.mjs: params: "n" is an integer parameter: give integer min and max/);
    const other = module('bad-type.mjs', `export default { name: 'x', kind: 'map', cpu() {}, params: [{ name: 'mode', type: 'string', description: '' }] };\n`);
    await expect(loadKernelModule(other)).rejects.toThrow(/params: "mode" has type "string": accepted are integer, number, choice, boolean, matrix, range/);
  });
});
