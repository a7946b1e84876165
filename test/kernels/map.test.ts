import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapKernel } from '../../kernels/map/kernel.js';
import type { MapParams } from '../../kernels/map/params.js';
import { compareMapOutputs, finiteRange } from '../../kernels/map/parity.js';
import { parseParams } from '../../kernels/params.js';
import { allocateArray, arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { UsageError } from '../../src/errors.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { awkwardCases } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

const FLT_MAX = 3.4028234663852886e38;

function params(...pairs: string[]): MapParams {
  return parseParams('map', mapKernel.params, pairs) as unknown as MapParams;
}

// ---------------------------------------------------------------------------------------------
// A naive implementation written from kernels/map/README.md, sharing no code with the kernel.

const FULL_SCALE: Record<DType, number> = { u8: 255, u16: 65535, f32: 1 };

function naiveConvert(dtype: DType, v: number): number {
  if (dtype === 'f32') return Math.fround(v);
  if (Number.isNaN(v)) return 0;
  const clamped = Math.min(Math.max(v, 0), FULL_SCALE[dtype]);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Output dtype and the f64 value of one element, as README.md states the rules. */
function naiveValue(p: MapParams, inDType: DType, x: number, range: { lo: number; hi: number }): { dtype: DType; value: number } {
  const dtype = p.dtype === 'same' ? inDType : p.dtype;
  const num = (v: number | null, fallback: number) => Math.fround(v ?? fallback);
  const on = dtype === 'f32' ? 1 : FULL_SCALE[dtype];
  if (x !== x) return { dtype, value: Number.NaN };
  let value: number;
  switch (p.op) {
    case 'affine':
      value = x * num(p.scale, 1) + num(p.offset, 0);
      break;
    case 'clamp': {
      const lo = p.lo === null ? -Infinity : Math.fround(p.lo);
      const hi = p.hi === null ? Infinity : Math.fround(p.hi);
      value = x < lo ? lo : x > hi ? hi : x;
      break;
    }
    case 'threshold':
      value = x < Math.fround(p.level!) ? num(p.below, 0) : num(p.above, on);
      break;
    case 'gamma': {
      const M = FULL_SCALE[inDType];
      value = x <= 0 ? 0 : x === Infinity ? Infinity : M * (x / M) ** Math.fround(p.gamma!);
      break;
    }
    case 'normalize': {
      const lo = num(p.lo, 0);
      const hi = num(p.hi, on);
      const from = Math.fround(range.lo);
      const to = Math.fround(range.hi);
      if (x === Infinity) value = hi;
      else if (x === -Infinity) value = lo;
      else if (from === to || lo === hi) value = lo;
      else value = Math.min(Math.max(lo + ((x - from) / (to - from)) * (hi - lo), Math.min(lo, hi)), Math.max(lo, hi));
      break;
    }
  }
  return { dtype, value };
}

function naiveMap(view: ArrayView, p: MapParams, range = p.range ?? finiteRange(view)): ArrayView {
  const input = elementsOf(view);
  const dtype = naiveValue(p, view.dtype, 0, range).dtype;
  const out = allocateArray(dtype, view.height, view.width, view.channels);
  const output = elementsOf(out);
  for (let i = 0; i < input.length; i++) output[i] = naiveConvert(dtype, naiveValue(p, view.dtype, input[i]!, range).value);
  return out;
}

function expectBitIdentical(actual: ArrayView, expected: ArrayView, what: string): void {
  expect(actual.dtype, what).toBe(expected.dtype);
  const a = elementsOf(actual);
  const e = elementsOf(expected);
  for (let i = 0; i < e.length; i++) {
    if (!Object.is(a[i], e[i])) expect.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

function expectWithinTolerance(actual: ArrayView, expected: ArrayView, view: ArrayView, p: MapParams, what: string): void {
  expect(actual.dtype, what).toBe(expected.dtype);
  const verdict = compareMapOutputs(expected, actual, view, p);
  expect(verdict.error, `${what}: ${verdict.where}`).toBeLessThanOrEqual(verdict.allowed);
}

// ---------------------------------------------------------------------------------------------

const PARAM_SETS: string[][] = [
  ['op=affine', 'scale=1.5', 'offset=-0.25'],
  ['op=affine', 'scale=-0.1', 'offset=7.3', 'dtype=f32'],
  ['op=affine', 'scale=0.37', 'offset=0.5', 'dtype=u8'],
  ['dtype=u16'],
  ['op=clamp', 'lo=-1', 'hi=100.5'],
  ['op=clamp', 'hi=200', 'dtype=u8'],
  ['op=threshold', 'level=100'],
  ['op=threshold', 'level=0.5', 'below=-1', 'above=2.5', 'dtype=f32'],
  ['op=gamma', 'gamma=2.2'],
  ['op=gamma', 'gamma=0.45', 'dtype=f32'],
  ['op=normalize'],
  ['op=normalize', 'lo=255', 'hi=0', 'dtype=u8'],
  ['op=normalize', 'range=-2:300', 'lo=-1', 'hi=1', 'dtype=f32'],
];

describe('map CPU reference', () => {
  it('equals the naive implementation bit for bit on every awkward input and op', () => {
    for (const { name, view } of awkwardCases()) {
      for (const pairs of PARAM_SETS) {
        const p = params(...pairs);
        const prepared = p.op === 'normalize' && p.range === null ? { ...p, range: finiteRange(view) } : p;
        const out = allocateArray(mapKernel.output(view, prepared).dtype, view.height, view.width, view.channels);
        const whole = { index: 0, row: 0, col: 0, y: 0, x: 0, height: view.height, width: view.width, halo: 0 };
        mapKernel.cpu(view, [whole], prepared, out);
        expectBitIdentical(out, naiveMap(view, prepared), `${name}, ${pairs.join(' ')}`);
      }
    }
  });

  it('rejects numbers that do not apply to the op, missing or impossible numbers, and non-f32 numbers', () => {
    const view = arrayFromElements('u8', 1, 1, 1, [0]);
    const bad: [MapParams, RegExp][] = [
      [params('op=affine', 'gamma=2'), /gamma does not apply to op=affine/],
      [params('op=gamma', 'scale=2', 'gamma=2'), /scale does not apply to op=gamma/],
      [params('op=threshold'), /needs level/],
      [params('op=gamma'), /needs gamma > 0/],
      [params('op=gamma', 'gamma=0'), /needs gamma > 0/],
      [params('op=clamp'), /needs lo, hi or both/],
      [params('op=clamp', 'lo=3', 'hi=2'), /lo <= hi/],
      [params('op=normalize', 'lo=-3e38', 'hi=3e38', 'dtype=f32'), /\|hi - lo\| within f32/],
      [params('op=affine', 'scale=1e39'), /finite number within/],
    ];
    for (const [p, message] of bad) expect(() => mapKernel.validateParams(view, p)).toThrow(message);
    expect(() => mapKernel.validateParams(view, params('op=affine', 'gamma=2'))).toThrow(UsageError);
    expect(() => params('op=sharpen')).toThrow(/op must be one of affine, clamp, threshold, gamma, normalize/);
  });
});

const backends: { name: string; open: () => Promise<Device>; skip: boolean; firstPass: boolean }[] = [
  { name: 'cpu pool', open: async () => new CpuPoolDevice({ threads: 2 }), skip: false, firstPass: true },
  { name: 'webgpu', open: () => openWebGpu(), skip: skipWebGpu, firstPass: true },
  // tile-stats has no gpu.js part, so a run on gpu.js alone cannot make normalize's first pass:
  // there normalize gets the range the first pass would find (the two-pass plan with gpu.js
  // beside a CPU pool is tested below).
  { name: 'gpu.js (auto)', open: () => GpuJsDevice.open(), skip: false, firstPass: false },
  { name: 'gpu.js (cpu mode)', open: () => GpuJsDevice.open({ mode: 'cpu' }), skip: false, firstPass: false },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`map on ${backend.name}`, () => {
    let device: Device;
    beforeAll(async () => {
      device = await backend.open();
    });
    afterAll(async () => {
      await device?.close();
    });

    const run = (view: ArrayView, p: MapParams, tile: number): Promise<RunResult<MapParams>> =>
      runKernel<MapParams, unknown>(mapKernel, view, p, { devices: [device], tile });

    for (const { name, view, tile } of awkwardCases()) {
      it(`${name}: every op within the stated tolerance of the naive implementation`, async () => {
        for (const pairs of PARAM_SETS) {
          let p = params(...pairs);
          const twoPass = p.op === 'normalize' && p.range === null;
          if (twoPass && !backend.firstPass) p = { ...p, range: finiteRange(view) };
          const result = await run(view, p, tile);
          const what = `${pairs.join(' ')}`;
          expect(result.passes, what).toBe(twoPass && backend.firstPass ? 2 : 1);
          // The first pass found the finite min:max over every channel.
          expect(result.params.range, what).toEqual(p.op === 'normalize' ? (p.range ?? finiteRange(view)) : null);
          expectWithinTolerance(result.output!, naiveMap(view, result.params), view, result.params, what);
          if (backend.name === 'cpu pool') expectBitIdentical(result.output!, naiveMap(view, result.params), what);
        }
      });
    }

    it('NaN and infinities follow the stated rules exactly', async () => {
      // Subnormals too: a GPU that flushes them must still compare -1e-45 below 0 in clamp and
      // threshold, which promise identical results.
      const S = 1.401298464324817e-45;
      const x = [Number.NaN, Infinity, -Infinity, -0, 0, -1.5, 2.5, FLT_MAX, -FLT_MAX, S, -S, 3];
      const view = arrayFromElements('f32', 2, 6, 1, x);
      const cases: [string[], number[]][] = [
        [['scale=2', 'offset=1'], [NaN, Infinity, -Infinity, 1, 1, -2, 6, Infinity, -Infinity, 1, 1, 7]],
        [['scale=0', 'offset=1'], [NaN, NaN, NaN, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
        [['scale=-1'], [NaN, -Infinity, Infinity, 0, 0, 1.5, -2.5, -FLT_MAX, FLT_MAX, -S, S, -3]],
        [['scale=2', 'offset=1', 'dtype=u8'], [0, 255, 0, 1, 1, 0, 6, 255, 0, 1, 1, 7]],
        [['op=clamp', 'lo=-1', 'hi=2'], [NaN, 2, -1, -0, 0, -1, 2, 2, -1, S, -S, 2]],
        [['op=clamp', 'lo=0', 'hi=2'], [NaN, 2, 0, -0, 0, 0, 2, 2, 0, S, 0, 2]],
        [['op=clamp', 'hi=2'], [NaN, 2, -Infinity, -0, 0, -1.5, 2, 2, -FLT_MAX, S, -S, 2]],
        [['op=threshold', 'level=0', 'below=-1', 'above=1'], [NaN, 1, -1, 1, 1, -1, 1, 1, -1, 1, -1, 1]],
        [['op=threshold', 'level=0', 'dtype=u16'], [0, 65535, 0, 65535, 65535, 0, 65535, 65535, 0, 65535, 0, 65535]],
        [['op=gamma', 'gamma=2'], [NaN, Infinity, 0, 0, 0, 0, 6.25, Infinity, 0, 0, 0, 9]],
        [['op=normalize', 'lo=-1', 'hi=1'], [NaN, 1, -1, 0, 0, 0, 0, 1, -1, 0, 0, 0]],
        [['op=normalize', 'lo=1', 'hi=-1'], [NaN, -1, 1, 0, 0, 0, 0, -1, 1, 0, 0, 0]],
        [['op=normalize', 'dtype=u8'], [0, 255, 0, 128, 128, 128, 128, 255, 0, 128, 128, 128]],
      ];
      for (const [pairs, expected] of cases) {
        let p = params(...(pairs[0]!.startsWith('op=') ? pairs : ['op=affine', ...pairs]));
        if (p.op === 'normalize' && !backend.firstPass) p = { ...p, range: { lo: -FLT_MAX, hi: FLT_MAX } };
        const result = await run(view, p, 4);
        expect(result.params.range ?? null, pairs.join(' ')).toEqual(p.op === 'normalize' ? { lo: -FLT_MAX, hi: FLT_MAX } : null);
        const reference = arrayFromElements(result.output!.dtype, 2, 6, 1, expected);
        expectWithinTolerance(result.output!, reference, view, result.params, pairs.join(' '));
      }
    });

    it('normalize of a constant image, or of an image with no finite value, gives lo', async () => {
      for (const [dtype, values] of [
        ['u16', [4095, 4095, 4095, 4095, 4095, 4095]],
        ['f32', [0.1, 0.1, Number.NaN, 0.1, Infinity, 0.1]],
        ['f32', [Number.NaN, Infinity, -Infinity, Number.NaN, Infinity, Number.NaN]],
      ] as const) {
        const view = arrayFromElements(dtype, 2, 3, 1, values);
        const range = finiteRange(view);
        const p = { ...params('op=normalize', 'lo=3', 'hi=9', 'dtype=f32'), ...(backend.firstPass ? {} : { range }) };
        const result = await run(view, p, 2);
        expect(result.params.range).toEqual(range);
        const expected = values.map((v) => (Number.isNaN(v) ? NaN : v === Infinity ? 9 : 3));
        expectBitIdentical(result.output!, arrayFromElements('f32', 2, 3, 1, expected), `${dtype} ${values.join(',')}`);
      }
    });

    it('dtype extremes convert by the shared rule: rounded half to even, clamped, NaN to 0', async () => {
      const view = arrayFromElements('f32', 1, 8, 1, [0.5, 1.5, 2.5, -0.5, 254.5, 255.5, 1e10, Number.NaN]);
      const u8 = await run(view, params('dtype=u8'), 3);
      expect(Array.from(elementsOf(u8.output!))).toEqual([0, 2, 2, 0, 254, 255, 255, 0]);
      const u16 = await run(view, params('op=affine', 'scale=256', 'dtype=u16'), 3);
      expect(Array.from(elementsOf(u16.output!))).toEqual([128, 384, 640, 0, 65152, 65408, 65535, 0]);
    });
  });
}

describe('map normalize with gpu.js beside a CPU pool', () => {
  it('makes its first pass on the pool (tile-stats has no gpu.js part) and maps on both', async () => {
    const cpu = new CpuPoolDevice({ threads: 2 });
    const gpujs = await GpuJsDevice.open();
    try {
      const view = awkwardCases().find((c) => c.name === 'f32 NaN and infinities')!.view;
      const p = params('op=normalize', 'lo=-5', 'hi=5');
      const result = await runKernel<MapParams, unknown>(mapKernel, view, p, { devices: [cpu, gpujs], tile: 2, targetBatchSeconds: 0.001 });
      expect(result.passes).toBe(2);
      expect(result.params.range).toEqual(finiteRange(view));
      expectWithinTolerance(result.output!, naiveMap(view, result.params), view, result.params, 'normalize');
    } finally {
      await cpu.close();
      await gpujs.close();
    }
  });
});
