import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F32_EXACT_LIMIT, GPUJS_LIMITS, MAX_TEXTURE_EDGE, checkLimits, planChunkCalls } from '../../kernels/histogram/gpujs-chunks.js';
import { histogramCpu } from '../../kernels/histogram/cpu.js';
import { makeHistogramGpuJs } from '../../kernels/histogram/gpujs.js';
import { histogramKernel } from '../../kernels/histogram/kernel.js';
import { defaultHistogramParams, type HistogramParams } from '../../kernels/histogram/params.js';
import { parity } from '../../kernels/histogram/parity.js';
import { mergeHistograms, type HistogramPartial } from '../../kernels/histogram/partial.js';
import { getKernel } from '../../kernels/index.js';
import { parseParams } from '../../kernels/params.js';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import type { TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import type { GpuJsContext } from '../../kernels/types.js';
import { allocateArray, arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { UsageError } from '../../src/errors.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { stitchPartials } from '../../src/stitch/stitch.js';
import type { Tile } from '../../src/tiling/tile.js';
import { makeTileGrid, tileAt } from '../../src/tiling/tile-grid.js';
import { awkwardCases, randomSource, type Case } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

type Run = RunResult<HistogramParams, HistogramPartial>;

// ---------------------------------------------------------------------------------------------
// An independent, deliberately plain reference: one value at a time, straight from the documented
// binning rule (kernels/histogram/README.md), sharing no code with the kernel.

interface PlainChannel {
  counts: number[];
  below: number;
  above: number;
  nan: number;
}

/** The range a first pass finds: u8 0:255, else the finite min:max (0:1 for f32 with none). */
function naiveRange(view: ArrayView): { lo: number; hi: number } {
  if (view.dtype === 'u8') return { lo: 0, hi: 255 };
  const finite = Array.from(elementsOf(view)).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { lo: 0, hi: 1 };
  return { lo: finite.reduce((a, b) => Math.min(a, b)), hi: finite.reduce((a, b) => Math.max(a, b)) };
}

function naiveHistogram(view: ArrayView, region: { y: number; x: number; height: number; width: number }, params: HistogramParams): PlainChannel[] {
  const { bins } = params;
  const range = params.range ?? naiveRange(view);
  const data = elementsOf(view);
  const isFloat = view.dtype === 'f32';
  let lo = range.lo;
  let hi = range.hi;
  if (isFloat) {
    lo = Math.fround(lo);
    hi = Math.fround(hi);
    if (lo === hi) {
      lo = Math.fround(lo - 0.5);
      hi = Math.fround(hi + 0.5);
    }
  }
  let scale = Math.fround(bins / Math.fround(Math.fround(hi / 2) - Math.fround(lo / 2)));
  if (!Number.isFinite(scale)) scale = 0;
  const result: PlainChannel[] = [];
  for (let c = 0; c < view.channels; c++) {
    const channel: PlainChannel = { counts: new Array<number>(bins).fill(0), below: 0, above: 0, nan: 0 };
    for (let y = region.y; y < region.y + region.height; y++) {
      for (let x = region.x; x < region.x + region.width; x++) {
        const v = data[(y * view.width + x) * view.channels + c]!;
        if (Number.isNaN(v)) channel.nan++;
        else if (v < lo) channel.below++;
        else if (v > hi) channel.above++;
        else if (!isFloat) channel.counts[Math.floor(((v - lo) * bins) / (hi - lo + 1))]!++;
        else if (v === hi) channel.counts[bins - 1]!++;
        else {
          const t = Math.fround(Math.fround(Math.fround(v / 2) - Math.fround(lo / 2)) * scale);
          channel.counts[Math.min(bins - 1, Math.max(0, Math.floor(t)))]!++;
        }
      }
    }
    result.push(channel);
  }
  return result;
}

function plain(partial: HistogramPartial): PlainChannel[] {
  return partial.channels.map((channel) => ({ counts: Array.from(channel.counts), below: channel.below, above: channel.above, nan: channel.nan }));
}

interface Counts {
  counts: ArrayLike<number>;
  below: number;
  above: number;
  nan: number;
}

/** Where two channel lists first differ, or null (deep equality is slow on 65536-bin arrays). */
function firstDifference(actual: readonly Counts[], expected: readonly Counts[]): string | null {
  if (actual.length !== expected.length) return `${actual.length} channels, expected ${expected.length}`;
  for (let c = 0; c < expected.length; c++) {
    const got = actual[c]!;
    const want = expected[c]!;
    if (got.counts.length !== want.counts.length) return `channel ${c}: ${got.counts.length} bins, expected ${want.counts.length}`;
    for (let bin = 0; bin < want.counts.length; bin++) {
      if (got.counts[bin] !== want.counts[bin]) return `channel ${c} bin ${bin}: ${got.counts[bin]}, expected ${want.counts[bin]}`;
    }
    for (const key of ['below', 'above', 'nan'] as const) {
      if (got[key] !== want[key]) return `channel ${c} ${key}: ${got[key]}, expected ${want[key]}`;
    }
  }
  return null;
}

function expectSame(actual: readonly Counts[], expected: readonly Counts[], where: string): void {
  expect(firstDifference(actual, expected), where).toBeNull();
}

function expectSamePartials(actual: readonly HistogramPartial[], expected: readonly HistogramPartial[], where: string): void {
  expect(actual.length, `${where}: partials`).toBe(expected.length);
  actual.forEach((partial, index) => expectSame(partial.channels, expected[index]!.channels, `${where} tile ${index}`));
}

// ---------------------------------------------------------------------------------------------
// Inputs: the shared awkward corpus, plus values placed exactly at and beside the range ends.

function make(dtype: DType, height: number, width: number, channels: number, fill: (i: number, random: () => number) => number): ArrayView {
  const random = randomSource(height * 131 + width * 7 + channels);
  return arrayFromElements(dtype, height, width, channels, Array.from({ length: height * width * channels }, (_, i) => fill(i, random)));
}

const nextUp = (x: number) => {
  const bits = new Float32Array([x]);
  const words = new Int32Array(bits.buffer);
  words[0]! += x >= 0 ? 1 : -1;
  return bits[0]!;
};
const nextDown = (x: number) => -nextUp(-x);

/** The explicit range of the "7 bins" parameter set, per dtype (values fall below and above it). */
const EXPLICIT_RANGE = { u8: { lo: 10, hi: 200 }, u16: { lo: 1000, hi: 50000 }, f32: { lo: -1.5, hi: 2.25 } } as const;

function edgeCases(): Case[] {
  const f32Edges: number[] = [];
  for (let k = 0; k <= 7; k++) {
    const edge = Math.fround(-1.5 + (k * 3.75) / 7); // bin boundaries of 7 bins over -1.5:2.25
    f32Edges.push(edge, nextUp(edge), nextDown(edge));
  }
  return [
    { name: 'u8 at and beside the range ends', view: make('u8', 9, 7, 1, (i) => [9, 10, 11, 199, 200, 201, 0, 255][i % 8]!), tile: 4 },
    { name: 'u16 at and beside the range ends', view: make('u16', 7, 9, 1, (i) => [999, 1000, 1001, 49999, 50000, 50001, 0, 65535][i % 8]!), tile: 4 },
    { name: 'f32 at, beside and between bin edges, -0', view: make('f32', 6, 9, 1, (i) => (i === 53 ? -0 : f32Edges[i % f32Edges.length]!)), tile: 5 },
    {
      name: 'f32 3 channels, 1x1 tiles, NaN and infinities',
      view: make('f32', 4, 5, 3, (i, r) => [Number.NaN, Infinity, -Infinity][i % 5] ?? r() * 4 - 2),
      tile: 1,
    },
    { name: 'u16 4 channels, tile larger than the image', view: make('u16', 6, 5, 4, (_, r) => Math.floor(r() * 65536)), tile: 100 },
    { name: 'f32 constant -7, 2 channels (range widened by 0.5)', view: make('f32', 10, 12, 2, () => -7), tile: 8 },
    { name: 'u8 2 channels, odd tiles', view: make('u8', 13, 11, 2, (_, r) => Math.floor(r() * 256)), tile: 5 },
  ];
}

const allCases = (): Case[] => [...awkwardCases(), ...edgeCases()];

const paramSets: { label: string; params: (dtype: DType) => HistogramParams }[] = [
  { label: 'default', params: (dtype) => defaultHistogramParams(dtype) },
  { label: '7 bins over an explicit range', params: (dtype) => ({ bins: 7, range: EXPLICIT_RANGE[dtype] }) },
  { label: '5000 bins (beyond WebGPU workgroup memory)', params: () => ({ bins: 5000, range: null }) },
];

const wholeRegion = (view: ArrayView) => ({ y: 0, x: 0, height: view.height, width: view.width });

function tilesOf(view: ArrayView, tile: number): Tile[] {
  const grid = makeTileGrid(view.height, view.width, tile);
  return Array.from({ length: grid.count }, (_, index) => tileAt(grid, index));
}

// ---------------------------------------------------------------------------------------------

describe('histogram CPU reference against the naive histogram', () => {
  for (const testCase of allCases()) {
    for (const { label, params } of paramSets) {
      it(`${testCase.name}, ${label}`, () => {
        const { view } = testCase;
        const resolved = params(view.dtype);
        const withRange = { ...resolved, range: resolved.range ?? naiveRange(view) };
        const tiles = tilesOf(view, testCase.tile);
        const partials = histogramCpu(view, tiles, withRange);
        partials.forEach((partial, index) => expectSame(partial.channels, naiveHistogram(view, tiles[index]!, withRange), `tile ${index}`));
        expectSame(stitchPartials(partials, mergeHistograms).channels, naiveHistogram(view, wholeRegion(view), withRange), 'whole');
        // Every element is counted once.
        for (const channel of plain(stitchPartials(partials, mergeHistograms))) {
          expect(channel.counts.reduce((a, b) => a + b, channel.below + channel.above + channel.nan)).toBe(view.height * view.width);
        }
      });
    }
  }

  it('puts every value in the bin tile-stats puts it in', () => {
    for (const testCase of allCases()) {
      const { view } = testCase;
      for (const { params } of paramSets) {
        const resolved = params(view.dtype);
        const withRange = { ...resolved, range: resolved.range ?? naiveRange(view) };
        const tiles = tilesOf(view, testCase.tile);
        const ours = histogramCpu(view, tiles, withRange);
        const theirs = tileStatsKernel.cpu(view, tiles, withRange satisfies TileStatsParams) as TileStatsPartial[];
        ours.forEach((partial, index) => {
          // tile-stats leaves NaN out of its histogram and counts it apart.
          const expected = theirs[index]!.channels.map((stats) => ({ counts: stats.histogram, below: stats.below, above: stats.above, nan: stats.nanCount }));
          expectSame(partial.channels, expected, `${testCase.name} tile ${index}`);
        });
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface Backend {
  name: string;
  open: () => Promise<Device>;
  skip: boolean;
  /**
   * The gpu.js device cannot run the first pass that finds u16 and f32 ranges (that pass is
   * tile-stats, which has no gpu.js implementation), so it is given the range that pass finds.
   */
  givenRange: boolean;
  /** The gpu.js kernel class the device must report (it falls back silently otherwise). */
  gpuJsBackend?: string;
}

const backends: Backend[] = [
  { name: 'cpu pool', open: async () => new CpuPoolDevice({ threads: 2 }), skip: false, givenRange: false },
  { name: 'webgpu (Vulkan)', open: () => openWebGpu('vulkan'), skip: skipWebGpu, givenRange: false },
  { name: 'webgpu (GL ES, compatibility mode)', open: () => openWebGpu('opengles'), skip: skipWebGpu, givenRange: false },
  { name: 'gpu.js WebAssemblyKernel', open: () => GpuJsDevice.open({ mode: 'webasm' }), skip: false, givenRange: true, gpuJsBackend: 'WebAssemblyKernel' },
  { name: 'gpu.js CPUKernel', open: () => GpuJsDevice.open({ mode: 'cpu' }), skip: false, givenRange: true, gpuJsBackend: 'CPUKernel' },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`histogram on ${backend.name} against the CPU reference`, () => {
    let device: Device;
    beforeAll(async () => {
      device = await backend.open();
    });
    afterAll(async () => {
      await device?.close();
    });

    const run = (view: ArrayView, params: HistogramParams, tile: number): Promise<Run> => {
      const given = backend.givenRange && params.range === null && view.dtype !== 'u8' ? { ...params, range: naiveRange(view) } : params;
      return runKernel<HistogramParams, HistogramPartial>(histogramKernel, view, given, { devices: [device], tile });
    };

    function expectReference(result: Run, view: ArrayView): void {
      const tiles = Array.from({ length: result.grid.count }, (_, index) => tileAt(result.grid, index));
      const reference = histogramCpu(view, tiles, result.params);
      expectSamePartials(result.partials, reference, 'partials');
      expectSame(result.whole.channels, stitchPartials(reference, mergeHistograms).channels, 'whole');
      // Partials are the documented shape whichever device made them (counts as doubles).
      for (const partial of result.partials) for (const channel of partial.channels) expect(channel.counts).toBeInstanceOf(Float64Array);
      expect(result.devices[0]!.tiles).toBe(result.grid.count);
    }

    if (backend.gpuJsBackend !== undefined) {
      it(`runs as ${backend.gpuJsBackend}`, () => {
        expect(device.info.backend).toBe(backend.gpuJsBackend);
      });
    }

    for (const testCase of allCases()) {
      for (const { label, params } of paramSets) {
        it(`${testCase.name}, ${label}`, async () => {
          const { view } = testCase;
          const wanted = params(view.dtype);
          const result = await run(view, wanted, testCase.tile);
          if (wanted.range === null) expect(result.params.range).toEqual(naiveRange(view));
          expectReference(result, view);
        });
      }
    }

    it('65536 bins (the most) on u16 and f32', async () => {
      for (const view of [
        make('u16', 23, 19, 1, (_, r) => Math.floor(r() * 65536)),
        make('f32', 17, 13, 2, (i, r) => (i % 19 === 0 ? Number.NaN : r() * 1e3)),
      ]) {
        const result = await run(view, { bins: 65536, range: null }, 8);
        expectReference(result, view);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('gpu.js: every count stays exact in f32', () => {
  it('the limits keep what a thread counts and a call indexes below 2^24', () => {
    expect(GPUJS_LIMITS.maxChunk).toBeLessThan(F32_EXACT_LIMIT);
    expect(GPUJS_LIMITS.maxCall).toBeLessThanOrEqual(F32_EXACT_LIMIT);
    expect(() => checkLimits(GPUJS_LIMITS)).not.toThrow();
    expect(() => checkLimits({ maxChunk: F32_EXACT_LIMIT, maxCall: F32_EXACT_LIMIT })).toThrow(RangeError);
    expect(() => checkLimits({ maxChunk: 16, maxCall: F32_EXACT_LIMIT + 1 })).toThrow(RangeError);
    // Why: f32 cannot count one past 2^24.
    expect(Math.fround(F32_EXACT_LIMIT + 1)).toBe(F32_EXACT_LIMIT);
  });

  it('splits a tile with more elements than a chunk into chunks that cover it once', () => {
    const view = allocateArray('u8', 10, 13, 3);
    const tiles = tilesOf(view, 10); // 10x10 and 10x3 tiles
    const limits = { maxChunk: 16, maxCall: 64 };
    const calls = planChunkCalls(tiles, view.channels, limits);
    for (const call of calls) {
      expect(call.chunkLength).toBe(16);
      expect(call.chunks.length).toBeLessThanOrEqual(call.paddedChunks);
      expect(call.paddedChunks * call.chunkLength).toBeLessThanOrEqual(limits.maxCall);
    }
    const chunks = calls.flatMap((call) => call.chunks);
    tiles.forEach((tile, slot) => {
      for (let channel = 0; channel < view.channels; channel++) {
        const mine = chunks.filter((chunk) => chunk.slot === slot && chunk.channel === channel);
        expect(mine.length).toBe(Math.ceil((tile.width * tile.height) / 16));
        let next = 0;
        for (const chunk of mine) {
          expect(chunk.start).toBe(next);
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(16);
          next += chunk.length;
        }
        expect(next).toBe(tile.width * tile.height);
      }
    });
    expect(calls.length).toBeGreaterThan(1);
    // Small tiles get a chunk their own size, not the limit.
    expect(planChunkCalls(tilesOf(view, 1), 3, GPUJS_LIMITS)[0]!.chunkLength).toBe(1);
  });

  it('keeps a call to at most MAX_TEXTURE_EDGE chunks (one output row each, within WebGL2 texture limits)', () => {
    const view = allocateArray('u8', 100, 100, 1);
    const calls = planChunkCalls(tilesOf(view, 1), 1, GPUJS_LIMITS);
    expect(calls.reduce((sum, call) => sum + call.chunks.length, 0)).toBe(10_000);
    for (const call of calls) expect(call.paddedChunks).toBeLessThanOrEqual(MAX_TEXTURE_EDGE);
    expect(calls.length).toBe(Math.ceil(10_000 / MAX_TEXTURE_EDGE));
  });

  for (const mode of ['webasm', 'cpu'] as const) {
    describe(`gpu.js ${mode}`, () => {
      let device: GpuJsDevice;
      beforeAll(async () => {
        device = await GpuJsDevice.open({ mode });
      });
      afterAll(async () => {
        await device?.close();
      });

      it('with chunks of 16 and calls of 64 elements: same counts as the CPU reference', async () => {
        const tiny = { ...histogramKernel, gpujs: makeHistogramGpuJs({ maxChunk: 16, maxCall: 64 }) };
        for (const testCase of allCases().filter((c) => c.view.height * c.view.width <= 5000)) {
          const { view } = testCase;
          // Bin counts do not change how elements are chunked; the 5000-bin set only adds time here.
          for (const { params } of paramSets.filter((set) => !set.label.startsWith('5000'))) {
            const wanted = params(view.dtype);
            const given = { ...wanted, range: wanted.range ?? naiveRange(view) };
            const result = await runKernel<HistogramParams, HistogramPartial>(tiny, view, given, { devices: [device], tile: testCase.tile });
            const tiles = Array.from({ length: result.grid.count }, (_, index) => tileAt(result.grid, index));
            expectSamePartials(result.partials, histogramCpu(view, tiles, given), testCase.name);
          }
        }
      });

      it('a constant tile of 4097x4097 elements (past 2^24) counts exactly', async () => {
        const edge = 4097;
        const elements = edge * edge; // 16785409, odd and past 2^24: f32 cannot hold it
        expect(Math.fround(elements)).not.toBe(elements);
        const view = allocateArray('u8', edge, edge, 1);
        (elementsOf(view) as Uint8Array).fill(77);
        const result = await runKernel<HistogramParams, HistogramPartial>(histogramKernel, view, { bins: 4, range: { lo: 0, hi: 255 } }, {
          devices: [device],
          tile: edge,
        });
        expect(result.grid.count).toBe(1);
        expect(plain(result.partials[0]!)).toEqual([{ counts: [0, elements, 0, 0], below: 0, above: 0, nan: 0 }]);
      });
    });
  }

  it('gpu.js kernels run as WebAssemblyKernel, without falling back to the CPU kernel', async () => {
    const { GPU: GPUClass } = (await import('gpu.js')).default as unknown as { GPU: typeof GPU };
    const gpu = new GPUClass({ mode: 'webasm' });
    const built: IKernelRunShortcut[] = [];
    const context: GpuJsContext = {
      gpu,
      backend: 'WebAssemblyKernel',
      kernel(_key, build) {
        const kernel = build(gpu);
        built.push(kernel);
        return kernel;
      },
    };
    try {
      for (const view of [make('u16', 9, 8, 2, (_, r) => Math.floor(r() * 65536)), make('f32', 9, 8, 1, (i, r) => (i % 5 ? r() : Number.NaN))]) {
        const tiles = tilesOf(view, 4);
        const params = { bins: 9, range: naiveRange(view) };
        expectSamePartials(makeHistogramGpuJs().run(context, view, tiles, params), histogramCpu(view, tiles, params), view.dtype);
      }
      expect(built.length).toBe(4);
      for (const kernel of built) {
        const inner = kernel.kernel as unknown as { constructor: { name: string }; fallbackReason?: string };
        expect(inner.fallbackReason).toBeNull();
        expect(inner.constructor.name).toBe('WebAssemblyKernel');
      }
    } finally {
      gpu.destroy();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('histogram parameters', () => {
  const u8 = allocateArray('u8', 2, 2, 1);
  const u16 = allocateArray('u16', 2, 2, 1);
  const f32 = allocateArray('f32', 2, 2, 1);

  it('is registered and parses -p values by its specs', () => {
    expect(getKernel('histogram')).toBe(histogramKernel);
    expect(parseParams('histogram', histogramKernel.params, [])).toEqual({ bins: 256, range: null });
    expect(parseParams('histogram', histogramKernel.params, ['bins=4096', 'range=0:4095'])).toEqual({ bins: 4096, range: { lo: 0, hi: 4095 } });
    expect(() => parseParams('histogram', histogramKernel.params, ['bins=0'])).toThrow(/an integer from 1 to 65536/);
    expect(() => parseParams('histogram', histogramKernel.params, ['edges=3'])).toThrow(/accepted are bins, range/);
  });

  it('rejects what cannot be binned, naming what is accepted', () => {
    const cases: [ArrayView, HistogramParams, RegExp][] = [
      [u8, { bins: 0, range: null }, /bins must be an integer from 1 to 65536, got 0/],
      [u8, { bins: 65537, range: null }, /bins must be an integer from 1 to 65536/],
      [u8, { bins: 2.5, range: null }, /bins must be an integer from 1 to 65536/],
      [u8, { bins: 8, range: { lo: 0, hi: 256 } }, /integers lo:hi within 0:255/],
      [u16, { bins: 8, range: { lo: 1.5, hi: 3 } }, /integers lo:hi within 0:65535/],
      [u16, { bins: 8, range: { lo: 9, hi: 3 } }, /lo <= hi/],
      [f32, { bins: 8, range: { lo: -1e39, hi: 0 } }, /within -3.4028235e38:3.4028235e38/],
      [f32, { bins: 8, range: { lo: Number.NaN, hi: 0 } }, /two finite numbers/],
    ];
    for (const [view, params, message] of cases) {
      expect(() => histogramKernel.validateParams(view, params)).toThrow(UsageError);
      expect(() => histogramKernel.validateParams(view, params)).toThrow(message);
    }
    for (const [view, params] of [
      [u8, { bins: 1, range: { lo: 0, hi: 255 } }],
      [u16, { bins: 65536, range: { lo: 0, hi: 65535 } }],
      [f32, { bins: 3, range: { lo: -3.4e38, hi: 3.4e38 } }],
      [f32, { bins: 3, range: null }],
    ] as const) {
      expect(() => histogramKernel.validateParams(view, params)).not.toThrow();
    }
  });

  it('the parity contract allows no difference in any count', () => {
    const view = make('u16', 12, 10, 2, (_, r) => Math.floor(r() * 60000));
    const sets = parity.paramSets(view);
    expect(sets.some((params) => params.bins > 1024)).toBe(true);
    const tiles = tilesOf(view, 4);
    for (const params of sets) {
      const withRange = { ...params, range: params.range ?? naiveRange(view) };
      const partials = histogramCpu(view, tiles, withRange);
      const whole = stitchPartials(partials, mergeHistograms);
      expect(parity.compare({ partials, whole }, { partials, whole }, view, withRange)).toEqual({ error: 0, allowed: 0 });
      const changed = histogramCpu(view, tiles, withRange);
      changed[2]!.channels[1]!.below += 1;
      const verdict = parity.compare({ partials, whole }, { partials: changed, whole }, view, withRange);
      expect(verdict.error).toBe(1);
      expect(verdict.where).toMatch(/tile 2 channel 1 below/);
    }
    // The explicit-range set puts values on both sides of its range.
    const explicit = sets.find((params) => params.range !== null)!;
    const whole = plain(stitchPartials(histogramCpu(view, tiles, explicit), mergeHistograms));
    for (const channel of whole) {
      expect(channel.below).toBeGreaterThan(0);
      expect(channel.above).toBeGreaterThan(0);
    }
  });
});
