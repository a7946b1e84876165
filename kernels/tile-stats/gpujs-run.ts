/**
 * One batch of tile-stats on gpu.js. Per call of packed tile pieces (gpujs-layout.ts): the
 * moments kernel reduces chunks of rows to min, max and sums, and, for an f32 histogram, the code
 * kernel gives every element its bin. The host adds the chunks' records up per tile and counts
 * the bins: gpu.js has no atomics or scatter, and a gather-style histogram (each thread counting
 * one bin) would read every element once per bin. Integer bins need no arithmetic, only a table,
 * so the host counts those straight from the array (gpujs-integer-histogram.ts).
 */
import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import type { GpuJsContext } from '../types.js';
import { tileStatsCpu } from './cpu.js';
import { chunkOf } from './gpujs-exact.js';
import { countIntegerBins } from './gpujs-integer-histogram.js';
import { f32CodesKernel, MOMENT_PARTS, momentsKernel } from './gpujs-kernels.js';
import { callElements, gatherCall, planCalls, type Call } from './gpujs-layout.js';
import { addCodes, addMoments, ChannelTotals, finishChannel, type MomentRecords } from './gpujs-totals.js';
import { makeBinning, type Binning, type TileStatsParams } from './params.js';
import type { TileStatsPartial } from './partial.js';

const FLT_MAX = 3.4028234663852886e38;
const SMALLEST_NORMAL = 2 ** -126;
/**
 * Values below this in magnitude keep every deviation between two of them below 2^32, where the
 * f32 kernel sums plainly; beyond it the kernel sums scaled values (see gpujs-kernels.ts).
 */
const PLAIN_MAGNITUDE = 2 ** 31;

/** What the backend running the kernels was found to handle (gpujs-probe.ts). */
export interface GpuJsSupport {
  /**
   * NaN, infinities, subnormals and huge magnitudes come through the kernels intact. Where they do
   * not (GL drivers may flush subnormals or fold NaN tests away), f32 tiles holding such values
   * are found by scanning them here and computed by the CPU reference instead.
   */
  readonly specialFloats: boolean;
}

export function runTileStatsGpuJs(
  context: GpuJsContext,
  view: ArrayView,
  tiles: readonly Tile[],
  params: TileStatsParams,
  support: GpuJsSupport,
): TileStatsPartial[] {
  const results: (TileStatsPartial | undefined)[] = new Array(tiles.length);
  let onGpu: Tile[] = [...tiles];
  let slots = tiles.map((_, i) => i);
  if (view.dtype === 'f32' && !support.specialFloats) {
    onGpu = [];
    slots = [];
    tiles.forEach((tile, i) => {
      if (hasSpecialFloats(view, tile)) results[i] = tileStatsCpu(view, [tile], params)[0]!;
      else {
        onGpu.push(tile);
        slots.push(i);
      }
    });
  }
  computeOnGpu(context, view, onGpu, params).forEach((partial, i) => {
    results[slots[i]!] = partial;
  });
  return results as TileStatsPartial[];
}

function computeOnGpu(context: GpuJsContext, view: ArrayView, tiles: readonly Tile[], params: TileStatsParams): TileStatsPartial[] {
  const { dtype, channels } = view;
  const binning = makeBinning(dtype, params);
  const totals = tiles.map(() => Array.from({ length: channels }, () => new ChannelTotals(binning.bins)));
  const shifts = dtype === 'f32' ? tiles.map((tile) => Array.from({ length: channels }, (_, c) => firstFinite(view, tile, c))) : null;
  for (const call of planCalls(tiles, channels)) {
    const packed = gatherCall(view, tiles, call, scratchFor(context, callElements(call.shape)));
    addMoments(dtype, call, runMoments(context, view, call, packed, shifts), totals);
    if (binning.bins > 0 && dtype === 'f32') addCodes(call, runF32Codes(context, binning, packed), totals);
  }
  if (binning.bins > 0 && dtype !== 'f32') tiles.forEach((tile, t) => countIntegerBins(view, tile, binning, totals[t]!));
  return tiles.map((tile, t) => ({
    channels: totals[t]!.map((channel, c) => finishChannel(dtype, channel, tile, binning.bins, shifts?.[t]![c] ?? 0)),
  }));
}

const scratches = new WeakMap<GpuJsContext, Float32Array>();

/**
 * One packing buffer per device, reused from call to call (the kernels copy their arguments, and
 * a device runs one batch at a time): a fresh 16 MiB array per call mostly feeds the GC.
 */
function scratchFor(context: GpuJsContext, length: number): Float32Array {
  let scratch = scratches.get(context);
  if (!scratch || scratch.length < length) {
    scratch = new Float32Array(length);
    scratches.set(context, scratch);
  }
  return scratch;
}

function runMoments(context: GpuJsContext, view: ArrayView, call: Call, packed: Float32Array, shifts: number[][] | null): MomentRecords {
  const { pieces, rows, cols, channels } = call.shape;
  const pieceSizes = new Float32Array(pieces * 2);
  call.pieces.forEach((piece, slot) => {
    pieceSizes[slot * 2] = piece.rows;
    pieceSizes[slot * 2 + 1] = piece.cols;
  });
  const kernel = momentsKernel(context, view.dtype);
  kernel.setOutput([Math.ceil(cols / chunkOf(view.dtype)), rows, pieces * channels * MOMENT_PARTS[view.dtype]]);
  if (shifts === null) return kernel(packed, pieceSizes, rows, cols, channels) as unknown as MomentRecords;
  const slotShifts = new Float32Array(pieces * channels);
  call.pieces.forEach((piece, slot) => slotShifts.set(shifts[piece.tile]!, slot * channels));
  return kernel(packed, pieceSizes, slotShifts, rows, cols, channels, FLT_MAX) as unknown as MomentRecords;
}

function runF32Codes(context: GpuJsContext, binning: Binning, packed: Float32Array): ArrayLike<number> {
  const kernel = f32CodesKernel(context);
  kernel.setOutput([packed.length]);
  const { lo, hi, scale, bins } = binning;
  return kernel(packed, lo, hi, Math.fround(lo * 0.5), scale, bins - 1) as ArrayLike<number>;
}

/** The first finite value of channel c of a tile in row-major order, or 0 (as the CPU reference). */
function firstFinite(view: ArrayView, tile: Tile, c: number): number {
  const data = elementsOf(view);
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * view.width + tile.x) * view.channels + c;
    for (let i = start; i < start + tile.width * view.channels; i += view.channels) {
      const x = data[i]!;
      if (Number.isFinite(x)) return x;
    }
  }
  return 0;
}

/** Whether a tile holds NaN, an infinity, a subnormal or a magnitude the kernel scales. */
function hasSpecialFloats(view: ArrayView, tile: Tile): boolean {
  const data = elementsOf(view);
  const rowLength = tile.width * view.channels;
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * view.width + tile.x) * view.channels;
    for (let i = start; i < start + rowLength; i++) {
      const magnitude = Math.abs(data[i]!);
      // NaN fails both comparisons.
      if (!(magnitude < PLAIN_MAGNITUDE) || (magnitude < SMALLEST_NORMAL && magnitude !== 0)) return true;
    }
  }
  return false;
}
