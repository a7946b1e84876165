import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downsampleKernel } from '../../kernels/downsample/kernel.js';
import type { DownsampleParams } from '../../kernels/downsample/params.js';
import { compareDownsampleOutputs } from '../../kernels/downsample/parity.js';
import { parseParams } from '../../kernels/params.js';
import { allocateArray, arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { runKernel } from '../../src/run.js';
import { awkwardCases, randomSource } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

const FLT_MAX = 3.4028234663852886e38;
const SUBNORMAL = 1.401298464324817e-45;

function params(...pairs: string[]): DownsampleParams {
  return parseParams('downsample', downsampleKernel.params, pairs) as unknown as DownsampleParams;
}

// ---------------------------------------------------------------------------------------------
// A naive implementation written from kernels/downsample/README.md, sharing no code with the kernel.

function naiveConvert(dtype: DType, v: number): number {
  if (dtype === 'f32') return Math.fround(v);
  const floor = Math.floor(v);
  const fraction = v - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function naiveBlock(values: number[], reduce: DownsampleParams['reduce']): number {
  const present = values.filter((v) => !Number.isNaN(v));
  if (present.length === 0) return Number.NaN;
  if (reduce === 'min') return present.reduce((best, v) => (v < best ? v : best));
  if (reduce === 'max') return present.reduce((best, v) => (v > best ? v : best));
  const hasPos = present.includes(Infinity);
  const hasNeg = present.includes(-Infinity);
  if (hasPos && hasNeg) return Number.NaN;
  if (hasPos) return Infinity;
  if (hasNeg) return -Infinity;
  return present.reduce((sum, v) => sum + v, 0) / present.length;
}

function naiveDownsample(view: ArrayView, p: DownsampleParams): ArrayView {
  const f = p.factor;
  const dtype = p.dtype === 'same' ? view.dtype : 'f32';
  const height = Math.ceil(view.height / f);
  const width = Math.ceil(view.width / f);
  const out = allocateArray(dtype, height, width, view.channels);
  const input = elementsOf(view);
  const output = elementsOf(out);
  for (let oy = 0; oy < height; oy++) {
    for (let ox = 0; ox < width; ox++) {
      for (let c = 0; c < view.channels; c++) {
        const block: number[] = [];
        for (let y = oy * f; y < Math.min(oy * f + f, view.height); y++) {
          for (let x = ox * f; x < Math.min(ox * f + f, view.width); x++) block.push(input[(y * view.width + x) * view.channels + c]!);
        }
        output[(oy * width + ox) * view.channels + c] = naiveConvert(dtype, naiveBlock(block, p.reduce));
      }
    }
  }
  return out;
}

function expectBitIdentical(actual: ArrayView, expected: ArrayView, what: string): void {
  expect([actual.dtype, actual.height, actual.width, actual.channels], what).toEqual([expected.dtype, expected.height, expected.width, expected.channels]);
  const a = elementsOf(actual);
  const e = elementsOf(expected);
  for (let i = 0; i < e.length; i++) {
    if (!Object.is(a[i], e[i])) expect.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/** Bit-identical where the kernel says so, else within its stated bound (compareDownsampleOutputs). */
function expectAsStated(actual: ArrayView, view: ArrayView, p: DownsampleParams, what: string): void {
  const expected = naiveDownsample(view, p);
  expect([actual.dtype, actual.height, actual.width, actual.channels], what).toEqual([expected.dtype, expected.height, expected.width, expected.channels]);
  const verdict = compareDownsampleOutputs(expected, actual, view, p);
  expect(verdict.error, `${what}: ${verdict.where}`).toBeLessThanOrEqual(verdict.allowed);
  const mustBeExact = p.reduce !== 'mean' || (p.dtype === 'same' && view.dtype !== 'f32');
  expect(verdict.allowed, what).toBe(mustBeExact ? 0 : 1);
}

// ---------------------------------------------------------------------------------------------

function make(dtype: DType, height: number, width: number, channels: number, fill: (i: number, random: () => number) => number): ArrayView {
  const random = randomSource(height * 131 + width * 7 + channels);
  return arrayFromElements(dtype, height, width, channels, Array.from({ length: height * width * channels }, (_, i) => fill(i, random)));
}

interface Case {
  name: string;
  view: ArrayView;
  tile: number;
  factor: number;
}

/** The awkward inputs at a factor their tile is a multiple of, plus the geometry that matters here. */
function cases(): Case[] {
  const awkward = awkwardCases().map(({ name, view, tile }) => {
    const factor = tile % 2 === 0 ? 2 : tile > 1 ? tile : 2;
    return { name, view, tile: tile % factor === 0 ? tile : factor, factor };
  });
  return [
    ...awkward,
    { name: 'u16 37x41, tiles exactly one block', view: make('u16', 37, 41, 1, (_, r) => Math.floor(r() * 65536)), tile: 4, factor: 4 },
    { name: 'u8 100x90x3, tiles of 16x16 blocks of 3', view: make('u8', 100, 90, 3, (_, r) => Math.floor(r() * 256)), tile: 48, factor: 3 },
    { name: 'f32 33x35x2 NaN and Inf, factor 5', view: make('f32', 33, 35, 2, (i, r) => (i % 9 === 0 ? NaN : i % 31 === 0 ? -Infinity : (r() - 0.5) * 1e6)), tile: 10, factor: 5 },
    { name: 'u8 1x1, factor 2', view: make('u8', 1, 1, 1, () => 200), tile: 2, factor: 2 },
    { name: 'f32 1x1, factor 64', view: make('f32', 1, 1, 1, () => -2.5), tile: 64, factor: 64 },
    { name: 'u16 5x7x2, factor 64 larger than the array', view: make('u16', 5, 7, 2, (_, r) => Math.floor(r() * 65536)), tile: 64, factor: 64 },
    { name: 'u16 constant 65535, 64x64 block sums past 2^24', view: make('u16', 130, 150, 1, () => 65535), tile: 128, factor: 64 },
    { name: 'u16 130x150x3 random, factor 64', view: make('u16', 130, 150, 3, (_, r) => Math.floor(r() * 65536)), tile: 64, factor: 64 },
    { name: 'u16 97x101, factor 7', view: make('u16', 97, 101, 1, (_, r) => Math.floor(r() * 65536)), tile: 21, factor: 7 },
    { name: 'f32 +-FLT_MAX', view: make('f32', 8, 8, 1, (i) => [FLT_MAX, FLT_MAX, -FLT_MAX, FLT_MAX][i % 4]!), tile: 4, factor: 2 },
    { name: 'f32 48x64 wide range, factor 16', view: make('f32', 48, 64, 1, (_, r) => (r() - 0.3) * 10 ** Math.floor(r() * 12)), tile: 32, factor: 16 },
  ];
}

const PARAM_SETS = [['reduce=mean'], ['reduce=min'], ['reduce=max'], ['reduce=mean', 'dtype=f32']];

describe('downsample CPU reference', () => {
  it('equals the naive implementation bit for bit on every input and reduction', () => {
    for (const { name, view, factor } of cases()) {
      for (const pairs of PARAM_SETS) {
        const p = params(`factor=${factor}`, ...pairs);
        const shape = downsampleKernel.output(view, p);
        const out = allocateArray(shape.dtype, shape.height, shape.width, shape.channels);
        const whole = { index: 0, row: 0, col: 0, y: 0, x: 0, height: view.height, width: view.width, halo: 0 };
        downsampleKernel.cpu(view, [whole], p, out);
        expectBitIdentical(out, naiveDownsample(view, p), `${name}, ${pairs.join(' ')}`);
      }
    }
  });

  it('declares ceil(H/f) x ceil(W/f) and rejects factors, reductions and dtypes it does not offer', () => {
    const view = make('u16', 37, 41, 3, () => 1);
    expect(downsampleKernel.output(view, params('factor=4'))).toEqual({ dtype: 'u16', height: 10, width: 11, channels: 3, factor: 4 });
    expect(downsampleKernel.output(view, params('factor=64', 'dtype=f32'))).toEqual({ dtype: 'f32', height: 1, width: 1, channels: 3, factor: 64 });
    expect(() => params('factor=1')).toThrow(/factor must be an integer from 2 to 64/);
    expect(() => params('factor=65')).toThrow(/factor must be an integer from 2 to 64/);
    expect(() => params('reduce=median')).toThrow(/reduce must be one of mean, min, max/);
    expect(() => params('dtype=u8')).toThrow(/dtype must be one of same, f32/);
    expect(() => downsampleKernel.validateParams(view, { factor: 2.5, reduce: 'mean', dtype: 'same' })).toThrow(/factor must be an integer/);
  });
});

const backends: { name: string; open: () => Promise<Device>; skip: boolean }[] = [
  { name: 'cpu pool', open: async () => new CpuPoolDevice({ threads: 2 }), skip: false },
  { name: 'webgpu', open: () => openWebGpu(), skip: skipWebGpu },
  { name: 'gpu.js (auto)', open: () => GpuJsDevice.open(), skip: false },
  { name: 'gpu.js (cpu mode)', open: () => GpuJsDevice.open({ mode: 'cpu' }), skip: false },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`downsample on ${backend.name}`, () => {
    let device: Device;
    beforeAll(async () => {
      device = await backend.open();
    });
    afterAll(async () => {
      await device?.close();
    });

    const run = async (view: ArrayView, p: DownsampleParams, tile: number): Promise<ArrayView> => {
      const result = await runKernel<DownsampleParams, unknown>(downsampleKernel, view, p, { devices: [device], tile });
      expect(result.passes).toBe(1);
      return result.output!;
    };

    for (const { name, view, tile, factor } of cases()) {
      it(`${name}: tile ${tile}, factor ${factor}, every reduction as stated`, async () => {
        for (const pairs of PARAM_SETS) {
          const p = params(`factor=${factor}`, ...pairs);
          expectAsStated(await run(view, p, tile), view, p, pairs.join(' '));
        }
      });
    }

    it('NaN is skipped, infinities follow the stated rules, ties keep the first of the block', async () => {
      // Seven 2x2 blocks, side by side.
      const rows = [
        [NaN, NaN, NaN, 1, Infinity, 1, -Infinity, 5, Infinity, -Infinity, -0, 0, SUBNORMAL, 0],
        [NaN, NaN, 3, NaN, 2, NaN, NaN, 7, 0, 1, 0, -0, -0, 2 * SUBNORMAL],
      ];
      const view = arrayFromElements('f32', 2, 14, 1, rows.flat());
      const expected: Record<string, number[]> = {
        mean: [NaN, 2, Infinity, -Infinity, NaN, 0, (3 * SUBNORMAL) / 4],
        min: [NaN, 1, 1, -Infinity, -Infinity, -0, 0],
        max: [NaN, 3, Infinity, 7, Infinity, -0, 2 * SUBNORMAL],
      };
      for (const reduce of ['mean', 'min', 'max']) {
        const p = params('factor=2', `reduce=${reduce}`);
        const out = await run(view, p, 2);
        const reference = arrayFromElements('f32', 1, 7, 1, expected[reduce]!);
        const verdict = compareDownsampleOutputs(reference, out, view, p);
        expect(verdict.error, `${reduce}: ${verdict.where}`).toBeLessThanOrEqual(verdict.allowed);
        expectAsStated(out, view, p, reduce);
      }
    });

    it('integer means round half to even from exact sums past 2^24', async () => {
      // Four 64x64 u16 blocks whose sums are q*4096 + 2048 (a tie), +2047 and +2049 (no tie).
      const bases = [40000, 40001, 40000, 40000];
      const extras = [2048, 2048, 2047, 2049];
      const view = make('u16', 64, 256, 1, (i) => {
        const block = Math.floor((i % 256) / 64);
        // One element per block, in the first row, carries the extra.
        return bases[block]! + (i < 256 && i % 64 === 0 ? extras[block]! : 0);
      });
      const out = await run(view, params('factor=64'), 64);
      expect(Array.from(elementsOf(out))).toEqual([40000, 40002, 40000, 40001]);
      const toF32 = params('factor=64', 'dtype=f32');
      expectAsStated(await run(view, toF32, 64), view, toF32, 'mean to f32');
      // u8 halves: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
      const u8 = arrayFromElements('u8', 1, 6, 1, [0, 1, 1, 2, 2, 3]);
      expect(Array.from(elementsOf(await run(u8, params('factor=2'), 2)))).toEqual([0, 2, 2]);
    });
  });
}
