import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F32_EXACT_INTEGER_LIMIT, integerChunk, LARGEST_TERM, MAX_CALL_ELEMENTS } from '../../kernels/tile-stats/gpujs-exact.js';
import { callElements, planCalls } from '../../kernels/tile-stats/gpujs-layout.js';
import { gpuJsSupport } from '../../kernels/tile-stats/gpujs-probe.js';
import { runTileStatsGpuJs } from '../../kernels/tile-stats/gpujs-run.js';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import { makeBinning, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { ChannelStats, TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import { reportChannel } from '../../kernels/tile-stats/report.js';
import type { GpuJsContext } from '../../kernels/types.js';
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { DeviceError } from '../../src/errors.js';
import { runKernel } from '../../src/run.js';
import { makeTileGrid, tileRange } from '../../src/tiling/tile-grid.js';
import type { Tile } from '../../src/tiling/tile.js';
import { awkwardCases, randomSource } from '../support/awkward-arrays.js';
import { expectMatchesReference } from '../support/compare.js';
import { referenceTile } from '../support/reference-tile-stats.js';

const FLT_MAX = 3.4028234663852886e38;

/** gpu.js's two Node backends here: WebAssembly (what auto picks without headless-gl) and plain JS. */
const MODES = [
  { mode: 'auto', backend: 'WebAssemblyKernel' },
  { mode: 'cpu', backend: 'CPUKernel' },
] as const;

async function newGpu(mode: 'auto' | 'cpu'): Promise<GPU> {
  const { GPU: GPUClass } = (await import('gpu.js')).default as unknown as { GPU: typeof GPU };
  return new GPUClass(mode === 'auto' ? {} : { mode });
}

/**
 * A context like the device's, whose kernels can be watched or tampered with: `onCall` sees each
 * call's arguments and result and may return replacements (a stand-in for a backend that loses
 * values).
 */
function contextOf(
  gpu: GPU,
  backend: string,
  onCall: (key: string, args: unknown[], run: (args: unknown[]) => unknown) => unknown = (_key, args, run) => run(args),
): GpuJsContext {
  const cache = new Map<string, IKernelRunShortcut>();
  return {
    gpu,
    backend,
    kernel(key, build) {
      let kernel = cache.get(key);
      if (!kernel) {
        const real = build(gpu);
        kernel = new Proxy(real, {
          apply: (target, self, args: unknown[]) => onCall(key, args, (given) => Reflect.apply(target, self, given)),
        });
        cache.set(key, kernel);
      }
      return kernel;
    },
  };
}

function allTiles(view: ArrayView, edge: number): Tile[] {
  const grid = makeTileGrid(view.height, view.width, edge);
  return tileRange(grid, 0, grid.count);
}

/** Every number in a kernel result, however gpu.js nests it. */
function* numbersIn(value: unknown): Generator<number> {
  if (typeof value === 'number') yield value;
  else if (value instanceof Float32Array) yield* value;
  else if (Array.isArray(value)) for (const item of value) yield* numbersIn(item);
}

/** The fields that must agree exactly for f32 (sums are compared within tolerance elsewhere). */
function exactFloatFields(stats: ChannelStats) {
  const { elements, nanCount, posInfCount, negInfCount, finiteCount, finiteMin, finiteMax, below, above } = stats;
  return { elements, nanCount, posInfCount, negInfCount, finiteCount, finiteMin, finiteMax, below, above, histogram: Array.from(stats.histogram) };
}

/** Checks partials against the CPU reference: integers bit for bit, f32 per the documented tolerance. */
function expectLikeCpu(view: ArrayView, tiles: readonly Tile[], params: TileStatsParams, actual: readonly TileStatsPartial[]): void {
  const expected = tileStatsKernel.cpu(view, tiles, params);
  if (DTYPE_INFO[view.dtype].isInteger) {
    expect(actual).toEqual(expected);
    return;
  }
  actual.forEach((partial, t) => {
    const reference = referenceTile(view, tiles[t]!, params.bins, params.range);
    partial.channels.forEach((stats, c) => {
      const where = `tile ${t} channel ${c}`;
      expect(exactFloatFields(stats), where).toEqual(exactFloatFields(expected[t]!.channels[c]!));
      expectMatchesReference(reportChannel(stats), reference[c]!, false, where);
    });
  });
}

describe('the 2^24 chunking rule', () => {
  it('chooses the longest chunks whose integer sums stay below 2^24', () => {
    for (const dtype of ['u8', 'u16'] as const) {
      const chunk = integerChunk(dtype);
      expect(chunk * LARGEST_TERM[dtype]).toBeLessThan(F32_EXACT_INTEGER_LIMIT);
      expect((chunk + 1) * LARGEST_TERM[dtype]).toBeGreaterThanOrEqual(F32_EXACT_INTEGER_LIMIT);
    }
    expect(LARGEST_TERM.u8).toBe(255 * 255);
    // u16 sums x itself; each split square term (hi^2, hi*lo, lo^2) is at most 255^2 < 65535.
    expect(LARGEST_TERM.u16).toBeGreaterThanOrEqual(255 * 255);
    expect(integerChunk('u8')).toBe(258);
    expect(integerChunk('u16')).toBe(256);
  });

  it('keeps every call within MAX_CALL_ELEMENTS and covers every tile element once', () => {
    const random = randomSource(5);
    for (let trial = 0; trial < 40; trial++) {
      const height = 1 + Math.floor(random() * 300);
      const width = 1 + Math.floor(random() * 300);
      const channels = 1 + Math.floor(random() * 4);
      const edge = 1 + Math.floor(random() * 200);
      const limit = trial % 2 ? MAX_CALL_ELEMENTS : 4 + Math.floor(random() * 5000);
      const tiles = allTiles({ height, width } as ArrayView, edge);
      const covered = new Uint8Array(height * width);
      for (const call of planCalls(tiles, channels, limit)) {
        expect(callElements(call.shape)).toBeLessThanOrEqual(limit);
        expect(call.pieces.length).toBeLessThanOrEqual(call.shape.pieces);
        for (const piece of call.pieces) {
          expect(piece.rows).toBeLessThanOrEqual(call.shape.rows);
          expect(piece.cols).toBeLessThanOrEqual(call.shape.cols);
          const tile = tiles[piece.tile]!;
          for (let y = piece.y; y < piece.y + piece.rows; y++) {
            for (let x = piece.x; x < piece.x + piece.cols; x++) covered[(tile.y + y) * width + tile.x + x]!++;
          }
        }
      }
      expect(covered.every((n) => n === 1)).toBe(true);
    }
  });

  for (const { mode, backend } of MODES) {
    describe(`on ${backend}`, () => {
      let gpu: GPU;
      beforeAll(async () => {
        gpu = await newGpu(mode);
      });
      afterAll(async () => {
        await gpu?.destroy();
      });

      const worstCases = [
        { name: 'u16 all 65535, one 256x256 tile', view: arrayFromElements('u16', 256, 256, 1, new Array(65536).fill(65535)), edge: 256 },
        { name: 'u8 all 255, one 300x301 tile', view: arrayFromElements('u8', 300, 301, 1, new Array(300 * 301).fill(255)), edge: 301 },
        { name: 'u8 all 255, 3 channels, 200x260 tiles', view: arrayFromElements('u8', 200, 520, 3, new Array(200 * 520 * 3).fill(255)), edge: 260 },
        { name: 'u16 all 65535, 2 channels, 97x300 tiles', view: arrayFromElements('u16', 97, 300, 2, new Array(97 * 300 * 2).fill(65535)), edge: 300 },
      ];
      for (const { name, view, edge } of worstCases) {
        it(`${name}: every number a kernel returns is an integer below 2^24, and the sums are exact`, () => {
          const seen: number[] = [];
          const context = contextOf(gpu, backend, (_key, args, run) => {
            const result = run(args);
            let largest = 0;
            for (const value of numbersIn(result)) {
              expect(Number.isInteger(value), `${value} is not an integer`).toBe(true);
              largest = Math.max(largest, Math.abs(value));
            }
            seen.push(largest);
            return result;
          });
          const tiles = allTiles(view, edge);
          const params: TileStatsParams = { bins: 7, range: { lo: 0, hi: DTYPE_INFO[view.dtype].max } };
          const partials = runTileStatsGpuJs(context, view, tiles, params, { specialFloats: true });
          expect(seen.length).toBeGreaterThan(0);
          expect(Math.max(...seen)).toBeLessThan(F32_EXACT_INTEGER_LIMIT);
          // The worst case really reaches the limit's neighbourhood: a full chunk of the largest term.
          expect(Math.max(...seen)).toBeGreaterThan(F32_EXACT_INTEGER_LIMIT * 0.99);
          const max = BigInt(DTYPE_INFO[view.dtype].max);
          partials.forEach((partial, t) => {
            const n = BigInt(tiles[t]!.width * tiles[t]!.height);
            for (const channel of partial.channels) {
              expect(channel.exactSum).toBe(n * max);
              expect(channel.exactSumSq).toBe(n * max * max);
            }
          });
          expectLikeCpu(view, tiles, params, partials);
        });
      }
    });
  }

  it('splits a tile larger than one call and stays exact (WebAssembly)', async () => {
    const gpu = await newGpu('auto');
    try {
      // 2049 x 2049 > 2^22 elements: the tile is cut into pieces over two calls.
      const side = 2049;
      const random = randomSource(11);
      const view = arrayFromElements('u16', side, side, 1, Array.from({ length: side * side }, () => Math.floor(random() * 65536)));
      const tiles = allTiles(view, side);
      expect(planCalls(tiles, 1).length).toBeGreaterThan(1);
      const params: TileStatsParams = { bins: 3, range: { lo: 100, hi: 60000 } };
      expectLikeCpu(view, tiles, params, runTileStatsGpuJs(contextOf(gpu, 'WebAssemblyKernel'), view, tiles, params, { specialFloats: true }));
    } finally {
      await gpu.destroy();
    }
  });
});

const paramSets: { label: string; params: (dtype: 'u8' | 'u16' | 'f32') => TileStatsParams }[] = [
  { label: '256 bins, default range', params: () => ({ bins: 256, range: null }) },
  { label: 'no histogram', params: () => ({ bins: 0, range: null }) },
  {
    label: '3 bins, narrow explicit range',
    params: (dtype) => ({ bins: 3, range: dtype === 'f32' ? { lo: -1.5, hi: 2.25 } : { lo: 10, hi: 200 } }),
  },
  {
    label: '1500 bins, explicit range of the whole dtype',
    params: (dtype) => ({ bins: 1500, range: { lo: DTYPE_INFO[dtype].min, hi: DTYPE_INFO[dtype].max } }),
  },
  { label: '1025 bins, default range', params: () => ({ bins: 1025, range: null }) },
];

for (const { mode, backend } of MODES) {
  describe(`tile-stats on gpu.js ${backend} against the CPU reference`, () => {
    let device: GpuJsDevice;
    beforeAll(async () => {
      device = await GpuJsDevice.open({ mode });
    });
    afterAll(async () => {
      await device?.close();
    });

    it(`runs as ${backend}`, () => {
      expect(device.info.backend).toBe(backend);
    });

    for (const testCase of awkwardCases()) {
      for (const { label, params } of paramSets) {
        it(`${testCase.name}, ${label}`, async () => {
          const { view } = testCase;
          const result = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params(view.dtype), {
            devices: [device],
            tile: testCase.tile,
          });
          expect(result.devices[0]!.tiles).toBe(result.grid.count);
          expectLikeCpu(view, tileRange(result.grid, 0, result.grid.count), result.params, result.partials);
        });
      }
    }
  });
}

describe('gpu.js alongside the CPU pool', () => {
  it('u16 and u8 RGB runs split between both devices give the CPU-only partials, bit for bit', async () => {
    const cpu = new CpuPoolDevice({ threads: 1 });
    const gpujs = await GpuJsDevice.open();
    try {
      const random = randomSource(3);
      for (const [dtype, height, width, channels] of [
        ['u16', 513, 700, 1],
        ['u8', 203, 301, 3],
      ] as const) {
        const view = arrayFromElements(dtype, height, width, channels, Array.from({ length: height * width * channels }, () => Math.floor(random() * (DTYPE_INFO[dtype].max + 1))));
        const options = (devices: (CpuPoolDevice | GpuJsDevice)[]) => ({ devices, tile: 48, targetBatchSeconds: 0.005 });
        const alone = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, { bins: 256, range: null }, options([cpu]));
        const both = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, { bins: 256, range: null }, options([cpu, gpujs]));
        expect(both.partials).toEqual(alone.partials);
        expect(both.whole).toEqual(alone.whole);
        for (const record of both.devices) expect(record.tiles, `${dtype} ${record.id}`).toBeGreaterThan(0);
      }
    } finally {
      await cpu.close();
      await gpujs.close();
    }
  });
});

describe('f32 histograms bin in f32 on every backend', () => {
  /** f32 values next to bin edges whose bin differs when the binning formula runs in f64. */
  function valuesOnBinEdges(lo: number, hi: number, bins: number): number[] {
    const { scale } = makeBinning('f32', { bins, range: { lo, hi } });
    const loHalf = Math.fround(Math.fround(lo) * 0.5);
    const bits = new Float32Array(1);
    const word = new Int32Array(bits.buffer);
    const found: number[] = [];
    for (let edge = 1; edge < bins; edge++) {
      bits[0] = 2 * (edge / scale + loHalf);
      const centre = word[0]!;
      for (let step = -4; step <= 4; step++) {
        word[0] = centre + step;
        const x = bits[0]!;
        const inF32 = Math.floor(Math.fround(Math.fround(Math.fround(x * 0.5) - loHalf) * scale));
        const inF64 = Math.floor((x * 0.5 - loHalf) * scale);
        if (inF32 !== inF64) found.push(x);
      }
    }
    return found;
  }

  for (const { mode, backend } of MODES) {
    it(`${backend} bins values on bin edges in f32, as the CPU does`, async () => {
      const edges = valuesOnBinEdges(0.1, 0.7, 1000);
      expect(edges.length).toBeGreaterThan(20);
      const edgeView = arrayFromElements('f32', 1, edges.length, 1, edges);
      const edgeTiles = allTiles(edgeView, edges.length);
      const edgeParams: TileStatsParams = { bins: 1000, range: { lo: 0.1, hi: 0.7 } };
      const gpu = await newGpu(mode);
      try {
        expectLikeCpu(edgeView, edgeTiles, edgeParams, runTileStatsGpuJs(contextOf(gpu, backend), edgeView, edgeTiles, edgeParams, { specialFloats: true }));
      } finally {
        await gpu.destroy();
      }
    });
  }
});

describe('special f32 values', () => {
  const values = [Number.NaN, Infinity, -Infinity, FLT_MAX, -FLT_MAX, 1e-45, -1e-45, 2 ** -126, -0, 0, 1e30, -2.5, 7];
  const view = arrayFromElements('f32', 13, 13, 1, Array.from({ length: 169 }, (_, i) => values[(i * 5) % values.length]!));
  const tiles = allTiles(view, 4);
  const params: TileStatsParams = { bins: 9, range: { lo: -3, hi: 8 } };

  for (const { mode, backend } of MODES) {
    it(`${backend} keeps NaN, infinities, FLT_MAX and subnormals and passes the self-check`, async () => {
      const gpu = await newGpu(mode);
      try {
        const context = contextOf(gpu, backend);
        expect(gpuJsSupport(context, 'f32')).toEqual({ specialFloats: true });
        const partials = runTileStatsGpuJs(context, view, tiles, params, gpuJsSupport(context, 'f32'));
        expectLikeCpu(view, tiles, params, partials);
        const whole = partials.reduce((a, b) => tileStatsKernel.merge(a, b)).channels[0]!;
        expect(whole.nanCount).toBe(13);
        expect(whole.posInfCount + whole.negInfCount).toBe(26);
        expect(whole.finiteMin).toBe(-FLT_MAX);
        expect(whole.finiteMax).toBe(FLT_MAX);
      } finally {
        await gpu.destroy();
      }
    });
  }

  it('a backend that loses NaN, infinities and subnormals is detected, and such tiles are computed on the host', async () => {
    const gpu = await newGpu('cpu');
    try {
      // Stands in for a GL driver without IEEE special values: NaN reads as 0, infinities as
      // +-FLT_MAX, subnormals flush to 0.
      const lossy = (x: number): number => {
        if (Number.isNaN(x)) return 0;
        if (!Number.isFinite(x)) return Math.sign(x) * FLT_MAX;
        return Math.abs(x) < 2 ** -126 ? 0 : x;
      };
      const context = contextOf(gpu, 'LossyKernel', (_key, args, run) =>
        run(args.map((arg, i) => (i === 0 && arg instanceof Float32Array ? arg.map(lossy) : arg))),
      );
      expect(gpuJsSupport(context, 'f32')).toEqual({ specialFloats: false });
      // Without the fallback the lossy backend gets these tiles wrong...
      const unguarded = runTileStatsGpuJs(context, view, tiles, params, { specialFloats: true });
      expect(unguarded.map((p) => p.channels[0]!.nanCount)).not.toEqual(tileStatsKernel.cpu(view, tiles, params).map((p) => p.channels[0]!.nanCount));
      // ...with it they are right, and ordinary tiles still run on the kernels.
      let kernelCalls = 0;
      const counted = contextOf(gpu, 'LossyKernel', (_key, args, run) => {
        kernelCalls++;
        return run(args.map((arg, i) => (i === 0 && arg instanceof Float32Array ? arg.map(lossy) : arg)));
      });
      const mixed = arrayFromElements('f32', 8, 8, 1, Array.from({ length: 64 }, (_, i) => (i === 3 ? Number.NaN : i * 0.25)));
      const mixedTiles = allTiles(mixed, 4);
      expectLikeCpu(mixed, mixedTiles, params, runTileStatsGpuJs(counted, mixed, mixedTiles, params, { specialFloats: false }));
      expect(kernelCalls).toBeGreaterThan(0);
      expectLikeCpu(view, tiles, params, runTileStatsGpuJs(context, view, tiles, params, { specialFloats: false }));
    } finally {
      await gpu.destroy();
    }
  });

  it('a backend that gets integers wrong is refused with a DeviceError', async () => {
    const gpu = await newGpu('cpu');
    try {
      // Stands in for a backend with less than 24 bits of integer precision: low bits of sums lost.
      const context = contextOf(gpu, 'CoarseKernel', (_key, args, run) => {
        const result = run(args) as Float32Array[][][];
        for (const layer of result) for (const row of layer) for (const cell of row) cell[2] = Math.round(cell[2]! / 16) * 16;
        return result;
      });
      expect(() => gpuJsSupport(context, 'u16')).toThrow(DeviceError);
      expect(() => gpuJsSupport(context, 'u8')).toThrow(/integers below 2\^24/);
    } finally {
      await gpu.destroy();
    }
  });
});
