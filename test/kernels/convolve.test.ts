import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundaryName } from '../../kernels/boundary.js';
import { convolveKernel } from '../../kernels/convolve/kernel.js';
import { CONVOLVE_PARAMS, convolveHalo, gaussianShape, weightsOf, type ConvolveParams } from '../../kernels/convolve/params.js';
import { largeTestMatrix, parity } from '../../kernels/convolve/parity.js';
import { allowedDifference, boundTerms, elementError, stencilMagnitudes } from '../../kernels/convolve/tolerance.js';
import { getKernel } from '../../kernels/index.js';
import { parseParams } from '../../kernels/params.js';
import { allocateArray, arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { convertTo } from '../../src/array/convert.js';
import type { DType } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { BatchJob, Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { UsageError } from '../../src/errors.js';
import { runKernel } from '../../src/run.js';
import { makeTileGrid, tileRange } from '../../src/tiling/tile-grid.js';
import { awkwardCases, randomSource } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

const FLT_MAX = 3.4028234663852886e38;
const MODES: readonly BoundaryName[] = ['reflect', 'nearest', 'constant', 'periodic'];

function params(...pairs: string[]): ConvolveParams {
  return parseParams('convolve', CONVOLVE_PARAMS, pairs) as unknown as ConvolveParams;
}

function matrixText(rows: readonly (readonly number[])[]): string {
  return rows.map((row) => row.join(',')).join(';');
}

// ---------------------------------------------------------------------------------------------
// An independent reference: no index tables, no boundary.ts. Boundary modes by folding the index
// back step by step; the same sum order (row-major) and f64 accumulation the kernel documents, so
// the CPU backend must match it bit for bit.

function fold(i: number, n: number, mode: BoundaryName): number | null {
  if (mode === 'constant') return i >= 0 && i < n ? i : null;
  if (mode === 'nearest') return Math.min(n - 1, Math.max(0, i));
  let j = i;
  while (j < 0 || j >= n) {
    if (mode === 'periodic') j += j < 0 ? n : -n;
    else j = j < 0 ? -1 - j : 2 * n - 1 - j; // reflect: mirror about the edge, edge repeated
  }
  return j;
}

function naiveCorrelate(view: ArrayView, matrix: readonly (readonly number[])[], mode: BoundaryName, value: number, outDtype: DType): ArrayView {
  const input = elementsOf(view);
  const out = allocateArray(outDtype, view.height, view.width, view.channels);
  const output = elementsOf(out);
  const rows = matrix.length;
  const cols = matrix[0]!.length;
  for (let y = 0; y < view.height; y++) {
    for (let x = 0; x < view.width; x++) {
      for (let c = 0; c < view.channels; c++) {
        let sum = 0;
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const w = Math.fround(matrix[i]![j]!);
            if (w === 0) continue;
            const yy = fold(y + i - (rows - 1) / 2, view.height, mode);
            const xx = fold(x + j - (cols - 1) / 2, view.width, mode);
            sum += w * (yy === null || xx === null ? Math.fround(value) : input[(yy * view.width + xx) * view.channels + c]!);
          }
        }
        output[(y * view.width + x) * view.channels + c] = convertTo(outDtype, sum);
      }
    }
  }
  return out;
}

/** The kernel's own weights as rows, for references of presets (presets are checked on their own). */
function weightRows(p: ConvolveParams): number[][] {
  const { rows, cols, values } = weightsOf(p);
  return Array.from({ length: rows }, (_, i) => values.slice(i * cols, (i + 1) * cols));
}

function naiveFor(view: ArrayView, p: ConvolveParams): ArrayView {
  return naiveCorrelate(view, weightRows(p), p.boundary, p.value, p.dtype === 'same' ? view.dtype : p.dtype);
}

/** Where two arrays differ in any bit pattern that matters (NaN equals NaN; -0 differs from 0), or null. */
function firstDifference(actual: ArrayView, expected: ArrayView): string | null {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype} vs ${expected.dtype}`;
  const a = elementsOf(actual);
  const e = elementsOf(expected);
  for (let k = 0; k < e.length; k++) {
    if (!Object.is(a[k], e[k])) {
      const c = k % expected.channels;
      const px = (k - c) / expected.channels;
      return `row ${Math.floor(px / expected.width)} column ${px % expected.width} channel ${c}: ${a[k]} vs ${e[k]}`;
    }
  }
  return null;
}

function worstError(view: ArrayView, p: ConvolveParams, actual: ArrayView, expected: ArrayView): { error: number; where?: string } {
  const verdict = parity.compare({ output: expected }, { output: actual }, view, p);
  return { error: verdict.error, ...(verdict.where === undefined ? {} : { where: verdict.where }) };
}

function makeArray(dtype: DType, height: number, width: number, channels: number, fill: (i: number, random: () => number) => number): ArrayView {
  const random = randomSource(height * 1000 + width * 10 + channels);
  return arrayFromElements(dtype, height, width, channels, Array.from({ length: height * width * channels }, (_, i) => fill(i, random)));
}

/** Runs every tile of a tileHeight x tileWidth grid through a device directly, in batches of 7 tiles. */
async function runOnGrid(device: Device, view: ArrayView, p: ConvolveParams, tileHeight: number, tileWidth: number): Promise<ArrayView> {
  const halo = convolveKernel.halo(view, p);
  const grid = makeTileGrid(view.height, view.width, tileHeight, tileWidth, halo);
  const shape = convolveKernel.output(view, p);
  const out = allocateArray(shape.dtype, shape.height, shape.width, shape.channels);
  const job: BatchJob = { kernel: convolveKernel, view, params: p, halo, boundary: convolveKernel.boundary!(p), out };
  await device.prepare?.(job);
  for (let first = 0; first < grid.count; first += 7) await device.run(job, tileRange(grid, first, Math.min(7, grid.count - first)));
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('convolve parameters', () => {
  it('is registered as a built-in', () => {
    expect(getKernel('convolve')).toBe(convolveKernel);
  });

  it('without matrix or preset is a 3x3 box', () => {
    expect(weightsOf(params())).toEqual({ rows: 3, cols: 3, values: new Array(9).fill(Math.fround(1 / 9)) });
    expect(convolveHalo(params())).toBe(1);
  });

  it('presets are the documented matrices', () => {
    expect(weightsOf(params('preset=sobel-x')).values).toEqual([-1, 0, 1, -2, 0, 2, -1, 0, 1]);
    expect(weightsOf(params('preset=sobel-y')).values).toEqual([-1, -2, -1, 0, 0, 0, 1, 2, 1]);
    expect(weightsOf(params('preset=laplacian')).values).toEqual([0, 1, 0, 1, -4, 1, 0, 1, 0]);
    expect(weightsOf(params('preset=box', 'size=15')).values).toEqual(new Array(225).fill(Math.fround(1 / 225)));
    // A gaussian: exp(-(dy^2 + dx^2) / (2 sigma^2)) over the sum, each rounded to f32.
    const g = weightsOf(params('preset=gaussian', 'size=5', 'sigma=1.25'));
    const raw = Array.from({ length: 25 }, (_, k) => Math.exp(-(((k % 5) - 2) ** 2 + (Math.floor(k / 5) - 2) ** 2) / (2 * 1.25 ** 2)));
    const total = raw.reduce((a, b) => a + b, 0);
    expect(g.values).toEqual(raw.map((v) => Math.fround(v / total)));
    expect(Math.abs(g.values.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
  });

  it("gaussian defaults: sigma from size by OpenCV's rule, size from sigma as 2 ceil(3 sigma) + 1 up to 15", () => {
    expect(gaussianShape({ size: null, sigma: null })).toEqual({ size: 3, sigma: 0.8 });
    expect(gaussianShape({ size: 7, sigma: null }).sigma).toBeCloseTo(1.4, 12);
    expect(gaussianShape({ size: null, sigma: 1.5 })).toEqual({ size: 11, sigma: 1.5 });
    expect(gaussianShape({ size: null, sigma: 0.1 })).toEqual({ size: 3, sigma: 0.1 });
    expect(gaussianShape({ size: null, sigma: 9 })).toEqual({ size: 15, sigma: 9 });
    expect(convolveHalo(params('preset=gaussian', 'sigma=1.5'))).toBe(5);
    // A vanishing sigma is the identity, not NaN.
    expect(weightsOf(params('preset=gaussian', 'sigma=1e-200')).values).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('sobel-x is positive where values grow to the right, sobel-y where they grow downwards', () => {
    const ramp = makeArray('f32', 3, 3, 1, (i) => (i % 3) * 10 + Math.floor(i / 3));
    const centre = (p: ConvolveParams) => elementsOf(naiveFor(ramp, p))[4]!;
    expect(centre(params('preset=sobel-x'))).toBe(80);
    expect(centre(params('preset=sobel-y'))).toBe(8);
  });

  it('normalize divides by a non-zero sum and leaves a zero sum alone; halos follow the longer side', () => {
    expect(weightsOf(params('matrix=1,2,1', 'normalize=true')).values).toEqual([0.25, 0.5, 0.25]);
    expect(weightsOf(params('preset=laplacian', 'normalize=true')).values).toEqual([0, 1, 0, 1, -4, 1, 0, 1, 0]);
    expect(convolveHalo(params('matrix=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15'))).toBe(7);
    expect(convolveHalo(params(`matrix=${Array.from({ length: 15 }, () => '1').join(';')}`))).toBe(7);
    expect(convolveHalo(params('matrix=2'))).toBe(0);
  });

  it('weights that are f32 subnormals become 0 on every backend', () => {
    expect(weightsOf(params('matrix=1e-40,1,1e-30')).values).toEqual([0, 1, Math.fround(1e-30)]);
  });

  const view = allocateArray('u8', 4, 4, 1);
  const rejects: [string[], RegExp][] = [
    [['preset=box', 'matrix=1'], /either matrix or preset, not both \(preset is one of box, gaussian, sobel-x, sobel-y, laplacian\)/],
    [['matrix=1,2;3,4'], /odd number of rows and of columns, each 1 to 15 .*got 2x2/],
    [[`matrix=${new Array(17).fill(1).join(',')}`], /each 1 to 15 .*got 1x17/],
    [['preset=box', 'size=4'], /size must be an odd integer from 3 to 15, got 4/],
    [['preset=sobel-x', 'size=5'], /size applies to preset box or gaussian only, not to preset sobel-x/],
    [['matrix=1', 'size=5'], /size applies to preset box or gaussian only, not to a matrix/],
    [['preset=box', 'sigma=2'], /sigma applies to preset gaussian only/],
    [['preset=gaussian', 'sigma=0'], /sigma must be a finite number > 0, got 0/],
    [['boundary=constant', 'value=1e39'], /value must be a number within \+-3.4028234663852886e\+38/],
    [['matrix=1,1e39,1'], /weights must lie within .* row 1 column 2 is not/],
    [['matrix=3e38,-3e38,1e-10', 'normalize=true'], /after normalising/],
  ];
  for (const [pairs, message] of rejects) {
    it(`rejects ${pairs.join(' ')}`, () => {
      expect(() => convolveKernel.validateParams(view, params(...pairs))).toThrow(UsageError);
      expect(() => convolveKernel.validateParams(view, params(...pairs))).toThrow(message);
    });
  }

  it('parameter parsing names the accepted values', () => {
    expect(() => params('preset=blur')).toThrow(/one of box, gaussian, sobel-x, sobel-y, laplacian, got 'blur'/);
    expect(() => params('boundary=wrap')).toThrow(/one of reflect, nearest, constant, periodic/);
    expect(() => params('dtype=i16')).toThrow(/one of same, u8, u16, f32/);
    expect(() => params('size=17')).toThrow(/an integer from 3 to 15/);
  });
});

describe('convolve tolerance rule', () => {
  const terms = boundTerms({ rows: 1, cols: 3, values: [1, 0, -2] });
  it('counts non-zero weights and scales with S', () => {
    expect(terms).toEqual({ taps: 2, absSum: 3 });
    expect(allowedDifference('f32', terms, 1000)).toBeCloseTo(2 * 2 ** -23 * 1000, 15);
    expect(allowedDifference('u8', terms, 1000)).toBe(1);
    expect(allowedDifference('u16', terms, 2 ** 24)).toBe(5);
  });
  it('NaN and infinities must match; differences within the bound pass, beyond it fail', () => {
    expect(elementError('f32', terms, 10, Number.NaN, Number.NaN)).toBe(0);
    expect(elementError('f32', terms, 10, Number.NaN, 1)).toBe(Infinity);
    expect(elementError('f32', terms, 10, Infinity, -Infinity)).toBe(Infinity);
    expect(elementError('f32', terms, 10, 5, Infinity)).toBe(Infinity);
    expect(elementError('f32', terms, 10, 5, 5 + 2 ** -20)).toBeLessThanOrEqual(1);
    expect(elementError('f32', terms, 10, 5, 5 + 2 ** -16)).toBeGreaterThan(1);
    expect(elementError('u8', terms, 10, 5, 6)).toBe(1);
    expect(elementError('u8', terms, 10, 5, 7)).toBe(2);
  });
  it('where S >= 2^127 only non-finite f32 results (overflow) are let through', () => {
    expect(elementError('f32', terms, 3 * FLT_MAX, FLT_MAX, Infinity)).toBe(0);
    expect(elementError('f32', terms, 3 * FLT_MAX, FLT_MAX, 1e30)).toBeGreaterThan(1);
    expect(elementError('u16', terms, 3 * FLT_MAX, 65535, 0)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------

interface Backend {
  name: string;
  open: () => Promise<Device>;
  skip: boolean;
}

const backends: Backend[] = [
  { name: 'cpu pool', open: async () => new CpuPoolDevice({ threads: 2 }), skip: false },
  { name: 'webgpu (Vulkan)', open: () => openWebGpu('vulkan'), skip: skipWebGpu },
  { name: 'webgpu (GL ES, compatibility mode)', open: () => openWebGpu('opengles'), skip: skipWebGpu },
  { name: 'gpu.js (auto)', open: () => GpuJsDevice.open(), skip: false },
  { name: 'gpu.js (cpu mode)', open: () => GpuJsDevice.open({ mode: 'cpu' }), skip: false },
];

/**
 * Matrices whose every partial sum is exact in f32 on the arrays they are used with (integer or
 * eighths weights, small integer data), so every backend must equal the reference bit for bit.
 * Asymmetric ones would show a flipped (convolution) or shifted stencil.
 */
const EXACT_MATRICES: { name: string; rows: number[][]; u16: boolean }[] = [
  { name: '3x5 integers', rows: [[1, 2, 0, -1, 3], [0, -2, 1, 1, 0], [2, 0, -3, 0, 1]], u16: true },
  { name: '1x1', rows: [[2.5]], u16: true },
  { name: '1x15 row', rows: [Array.from({ length: 15 }, (_, j) => (j % 4) - 1)], u16: true },
  { name: '15x1 column', rows: Array.from({ length: 15 }, (_, i) => [(i % 3) - 1 + (i === 0 ? 1 : 0)]), u16: true },
  { name: '15x15 eighths', rows: largeTestMatrix().split(';').map((row) => row.split(',').map(Number)), u16: false },
];

/** Small arrays: one element, narrower and shorter than the halo, 1-4 channels, every dtype. */
const SMALL_ARRAYS: { name: string; view: ArrayView }[] = [
  { name: 'u8 1x1', view: makeArray('u8', 1, 1, 1, () => 200) },
  { name: 'u8 1x4 (one row)', view: makeArray('u8', 1, 4, 1, (_, r) => Math.floor(r() * 256)) },
  { name: 'u8 5x2x3 (narrower than the halo)', view: makeArray('u8', 5, 2, 3, (_, r) => Math.floor(r() * 256)) },
  { name: 'u8 6x7x4, extremes 0/255', view: makeArray('u8', 6, 7, 4, (i) => (i % 3 === 0 ? 255 : 0)) },
  { name: 'u16 3x1x2', view: makeArray('u16', 3, 1, 2, (_, r) => Math.floor(r() * 65536)) },
  { name: 'u16 4x9, extremes 0/65535', view: makeArray('u16', 4, 9, 1, (i) => (i % 2 ? 65535 : 0)) },
  { name: 'f32 1x1', view: makeArray('f32', 1, 1, 1, () => -7) },
  { name: 'f32 9x8x2 small integers', view: makeArray('f32', 9, 8, 2, (_, r) => Math.floor(r() * 101) - 50) },
  {
    name: 'f32 7x6 with NaN and infinities',
    view: makeArray('f32', 7, 6, 1, (i, r) => (i % 9 === 4 ? Number.NaN : i % 11 === 3 ? Infinity : i % 13 === 7 ? -Infinity : Math.floor(r() * 21) - 10)),
  },
];

const CORPUS = awkwardCases();
const corpusReferences = new Map<string, ArrayView>();

/** The naive reference of a corpus case, computed once for all backends. */
function corpusReference(name: string, index: number, view: ArrayView, p: ConvolveParams): ArrayView {
  const key = `${name}#${index}`;
  let reference = corpusReferences.get(key);
  if (!reference) {
    reference = naiveFor(view, p);
    corpusReferences.set(key, reference);
  }
  return reference;
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`convolve on ${backend.name}`, () => {
    let device: Device;
    beforeAll(async () => {
      device = await backend.open();
    });
    afterAll(async () => {
      await device?.close();
    });
    const run = async (view: ArrayView, p: ConvolveParams, tile: number): Promise<ArrayView> =>
      (await runKernel(convolveKernel, view, p, { devices: [device], tile })).output!;

    for (const { name, view } of SMALL_ARRAYS) {
      it(`${name}: every boundary mode and matrix equals the naive reference bit for bit`, async () => {
        for (const matrix of EXACT_MATRICES) {
          if (view.dtype === 'u16' && !matrix.u16) continue;
          for (const mode of MODES) {
            const p = params(`matrix=${matrixText(matrix.rows)}`, `boundary=${mode}`, 'value=2.5');
            const expected = naiveCorrelate(view, matrix.rows, mode, 2.5, 'f32');
            expect(firstDifference(await run(view, p, 3), expected), `${matrix.name}, ${mode}`).toBeNull();
          }
        }
      });
    }

    it('NaN and infinities propagate through non-zero weights only; opposite infinities give NaN', async () => {
      const view = arrayFromElements('f32', 1, 5, 1, [1, Infinity, 2, Number.NaN, 4]);
      const out = await run(view, params('matrix=1,0,1', 'boundary=nearest'), 2);
      expect(Array.from(elementsOf(out))).toEqual([Infinity, 3, Number.NaN, 6, Number.NaN]);
      const opposite = arrayFromElements('f32', 1, 3, 1, [Infinity, 0, -Infinity]);
      expect(Array.from(elementsOf(await run(opposite, params('matrix=1,1,1', 'boundary=constant'), 1)))).toEqual([Infinity, Number.NaN, -Infinity]);
      // Integer outputs: +Inf clamps to the maximum, -Inf to 0, NaN becomes 0.
      expect(Array.from(elementsOf(await run(opposite, params('matrix=1,1,1', 'boundary=constant', 'dtype=u8'), 1)))).toEqual([255, 0, 0]);
      expect(Array.from(elementsOf(await run(view, params('matrix=1,0,1', 'boundary=nearest', 'dtype=u16'), 3)))).toEqual([65535, 3, 0, 6, 0]);
    });

    it('output dtypes: round half to even, clamp and NaN to 0, as convertTo does', async () => {
      const view = arrayFromElements('f32', 1, 6, 1, [0.5, 1, 1.5, 100, -3, 70000]);
      const p = (dtype: string) => params('matrix=1', `dtype=${dtype}`);
      expect(Array.from(elementsOf(await run(view, p('u8'), 4)))).toEqual([0, 1, 2, 100, 0, 255]);
      expect(Array.from(elementsOf(await run(view, p('u16'), 4)))).toEqual([0, 1, 2, 100, 0, 65535]);
      const bytes = arrayFromElements('u8', 2, 2, 1, [255, 255, 0, 3]);
      const same = await run(bytes, params('matrix=1,1,1', 'boundary=constant', 'dtype=same'), 1);
      expect(same.dtype).toBe('u8');
      expect(Array.from(elementsOf(same))).toEqual([255, 255, 3, 3]);
    });

    it('f32 extremes: sums past FLT_MAX follow the documented overflow rule', async () => {
      const view = arrayFromElements('f32', 1, 3, 1, [FLT_MAX, FLT_MAX, -FLT_MAX]);
      const p = params('matrix=1,1,1', 'boundary=constant');
      const out = elementsOf(await run(view, p, 1));
      // x=0: 2 FLT_MAX overflows everywhere; x=2: exactly 0 everywhere.
      expect([out[0], out[2]]).toEqual([Infinity, 0]);
      // x=1: FLT_MAX + FLT_MAX - FLT_MAX is FLT_MAX in the f64 reference; an f32 sum overflows.
      expect([FLT_MAX, Infinity]).toContain(out[1]);
      const expected = naiveCorrelate(view, [[1, 1, 1]], 'constant', 0, 'f32');
      expect(worstError(view, p, await run(view, p, 1), expected).error).toBeLessThanOrEqual(1);
    });

    it('non-exact weights (gaussian, box 15, normalised 3x5) stay within the stated tolerance', async () => {
      const f32 = makeArray('f32', 21, 17, 3, (i, r) => (i % 50 === 0 ? 1e30 : (r() - 0.5) * 1e4));
      const u16 = makeArray('u16', 19, 23, 1, (_, r) => Math.floor(r() * 65536));
      const u8 = makeArray('u8', 16, 18, 2, (_, r) => Math.floor(r() * 256));
      for (const view of [f32, u16, u8]) {
        for (const p of [
          params('preset=gaussian', 'sigma=1.5', 'boundary=periodic', 'dtype=same'),
          params('preset=box', 'size=15', 'boundary=constant', 'value=-12.75'),
          params('matrix=1,2,3,2,1;-1,-2,-3,-2,-1;0.3,0,0,0,0.7', 'normalize=true', 'boundary=reflect', 'dtype=same'),
        ]) {
          const actual = await run(view, p, 5);
          const expected = naiveFor(view, p);
          if (backend.name === 'cpu pool') expect(firstDifference(actual, expected)).toBeNull();
          const { error, where } = worstError(view, p, actual, expected);
          expect(error, where).toBeLessThanOrEqual(1);
        }
      }
    });

    it('seams are invisible: any tiling gives what one tile gives, bit for bit', async () => {
      // Each element is computed by the same code from the same band values whatever tile it falls
      // in, so on every backend (not only the CPU) a tiled run must equal a one-tile run exactly.
      const view = makeArray('f32', 23, 19, 2, (i, r) => (i % 97 === 5 ? Number.NaN : (r() - 0.5) * 100));
      const bytes = makeArray('u8', 17, 20, 3, (_, r) => Math.floor(r() * 256));
      const cases: [ArrayView, ConvolveParams][] = [
        [view, params(`matrix=${largeTestMatrix()}`, 'boundary=reflect')],
        [view, params('preset=gaussian', 'sigma=2', 'boundary=periodic')],
        [view, params('matrix=1,-2,3,-4,5,-6,7,0.5,7,-6,5,-4,3,-2,1', 'boundary=constant', 'value=3')],
        [bytes, params('matrix=1;2;3;4;5;4;3;2;1', 'normalize=true', 'boundary=nearest', 'dtype=same')],
      ];
      for (const [input, p] of cases) {
        const whole = await run(input, p, 512);
        for (const tile of [1, 2, 3, 5, 8]) {
          expect(firstDifference(await run(input, p, tile), whole), `tile ${tile}, ${p.boundary}`).toBeNull();
        }
        for (const [h, w] of [
          [3, 5],
          [5, 3],
          [2, 7],
        ] as const) {
          expect(firstDifference(await runOnGrid(device, input, p, h, w), whole), `${h}x${w} tiles, ${p.boundary}`).toBeNull();
        }
      }
    });

    it('the parity parameter sets on the awkward corpus stay within tolerance of the CPU reference', async () => {
      for (const testCase of CORPUS) {
        const { view } = testCase;
        for (const [index, p] of parity.paramSets(view).entries()) {
          const reference = corpusReference(testCase.name, index, view, p);
          const actual = await run(view, p, testCase.tile);
          const { error, where } = worstError(view, p, actual, reference);
          expect(error, `${testCase.name}: ${where}`).toBeLessThanOrEqual(1);
          if (backend.name === 'cpu pool') expect(firstDifference(actual, reference), testCase.name).toBeNull();
        }
      }
    });
  });
}

describe('stencil magnitudes (the S of the tolerance)', () => {
  it('sum |w x| over finite terms, with the constant outside the array', () => {
    const view = arrayFromElements('f32', 1, 3, 1, [-2, Number.NaN, 4]);
    const magnitudes = stencilMagnitudes(view, params('matrix=1,-3,0.5', 'boundary=constant', 'value=-10'));
    expect(Array.from(magnitudes)).toEqual([10 + 6, 2 + 2, 12 + 5]);
  });
});
