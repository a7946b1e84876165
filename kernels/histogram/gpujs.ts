import type { GPU, IKernelFunctionThis, IKernelRunShortcut } from 'gpu.js';
import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { DeviceError } from '../../src/errors.js';
import type { Tile } from '../../src/tiling/tile.js';
import { integerBin, type Binning } from '../tile-stats/params.js';
import type { GpuJsReductionParts } from '../types.js';
import { checkLimits, GPUJS_LIMITS, MAX_TEXTURE_EDGE, planChunkCalls, type ChunkCall, type GpuJsLimits } from './gpujs-chunks.js';
import { histogramBinning, type HistogramParams } from './params.js';
import { emptyHistogramPartial, type HistogramPartial } from './partial.js';

/**
 * The gpu.js backend, in two kernels per call:
 *   codes: one thread per element gives its code: a bin 0..bins-1, or bins (below the range,
 *          -Inf included), bins+1 (above, +Inf included), bins+2 (NaN).
 *   count: one thread per (code, chunk) counts the elements of its chunk with that code, in
 *          slices of MAX_TEXTURE_EDGE codes.
 * gpu.js has no scatter and no atomics, so counting is a gather: each code scans the chunk, and the
 * work is (bins + 3) x elements. Chunks and calls are sized by gpujs-chunks.ts so every f32 a
 * thread counts or indexes with stays exact; chunk counts are added here as doubles.
 */
export function makeHistogramGpuJs(limits: GpuJsLimits = GPUJS_LIMITS): GpuJsReductionParts<HistogramParams, HistogramPartial> {
  checkLimits(limits);
  return {
    run(context, view, tiles, params) {
      const binning = histogramBinning(view.dtype, params);
      const bins = binning.bins;
      const partials = tiles.map(() => emptyHistogramPartial(view.channels, bins));
      const isFloat = view.dtype === 'f32';
      const codes = context.kernel(isFloat ? 'histogram:codes:f32' : 'histogram:codes:table', isFloat ? buildFloatCodes : buildTableCodes);
      // A loop's bound is capped at loopMaxIterations on gpu.js backends: the cap is the chunk limit.
      const count = context.kernel(`histogram:count:${limits.maxChunk}`, (gpu) => buildCount(gpu, limits.maxChunk));
      const table = isFloat ? null : codeTable(view.dtype, binning);
      const loHalf = Math.fround(binning.lo * 0.5);
      for (const call of planChunkCalls(tiles, view.channels, limits)) {
        const { values, lengths } = gatherCall(view, tiles, call);
        codes.setOutput([values.length]);
        const elementCodes = (
          table === null ? codes(values, binning.lo, binning.hi, loHalf, binning.scale, bins) : codes(values, table)
        ) as Float32Array;
        for (let firstCode = 0; firstCode < bins + 3; firstCode += MAX_TEXTURE_EDGE) {
          const codesHere = Math.min(MAX_TEXTURE_EDGE, bins + 3 - firstCode);
          count.setOutput([codesHere, call.paddedChunks]);
          const counted = count(elementCodes, lengths, call.chunkLength, firstCode) as Float32Array[];
          call.chunks.forEach((chunk, j) => {
            const row = counted[j]!;
            const channel = partials[chunk.slot]!.channels[chunk.channel]!;
            for (let k = 0; k < codesHere; k++) {
              const code = firstCode + k;
              if (code < bins) channel.counts[code]! += row[k]!;
              else if (code === bins) channel.below += row[k]!;
              else if (code === bins + 1) channel.above += row[k]!;
              else channel.nan += row[k]!;
            }
          });
        }
      }
      checkTotals(partials, tiles, context.backend);
      return partials;
    },
  };
}

export const histogramGpuJs = makeHistogramGpuJs();

/** Copies each chunk's elements into its slot of the call's input (f32 holds u8 and u16 exactly). */
function gatherCall(view: ArrayView, tiles: readonly Tile[], call: ChunkCall): { values: Float32Array; lengths: Float32Array } {
  const data = elementsOf(view);
  const { width, channels } = view;
  const values = new Float32Array(call.paddedChunks * call.chunkLength);
  const lengths = new Float32Array(call.paddedChunks);
  call.chunks.forEach((chunk, j) => {
    const tile = tiles[chunk.slot]!;
    lengths[j] = chunk.length;
    let at = j * call.chunkLength;
    const end = chunk.start + chunk.length;
    for (let ordinal = chunk.start; ordinal < end; ) {
      const row = Math.floor(ordinal / tile.width);
      const col = ordinal - row * tile.width;
      const n = Math.min(tile.width - col, end - ordinal);
      const source = ((tile.y + row) * width + tile.x + col) * channels + chunk.channel;
      if (channels === 1) values.set(data.subarray(source, source + n), at);
      else for (let k = 0; k < n; k++) values[at + k] = data[source + k * channels]!;
      ordinal += n;
      at += n;
    }
  });
  return { values, lengths };
}

/** Every element is counted exactly once; a shortfall means a backend cut a loop short. */
function checkTotals(partials: readonly HistogramPartial[], tiles: readonly Tile[], backend: string): void {
  partials.forEach((partial, slot) => {
    const tile = tiles[slot]!;
    partial.channels.forEach((channel, c) => {
      const total = channel.counts.reduce((sum, n) => sum + n, channel.below + channel.above + channel.nan);
      if (total !== tile.width * tile.height) {
        throw new DeviceError(
          `gpu.js (${backend}) histogram of tile ${tile.index} channel ${c} counted ${total} of its ${tile.width * tile.height} elements`,
        );
      }
    });
  });
}

const codeTables = new Map<string, Float32Array>();

/** The code of every integer value (the CPU's integer binning), built once per binning. */
function codeTable(dtype: DType, binning: Binning): Float32Array {
  const size = dtype === 'u8' ? 256 : 65536;
  const key = `${size}:${binning.bins}:${binning.lo}:${binning.hi}`;
  let table = codeTables.get(key);
  if (!table) {
    table = new Float32Array(size);
    for (let value = 0; value < size; value++) {
      const bin = integerBin(binning, value);
      table[value] = bin < 0 ? binning.bins : bin >= binning.bins ? binning.bins + 1 : bin;
    }
    if (codeTables.size > 8) codeTables.clear();
    codeTables.set(key, table);
  }
  return table;
}

// gpu.js kernels: transpiled from their source text, so they use only their arguments and `this`.
// Input sizes change from call to call, hence dynamic outputs and arguments.

function buildTableCodes(gpu: GPU): IKernelRunShortcut {
  return gpu.createKernel(
    function (this: IKernelFunctionThis, values: number[], table: number[]) {
      return table[values[this.thread.x]!]!;
    },
    { output: [1], dynamicOutput: true, dynamicArguments: true },
  );
}

function buildFloatCodes(gpu: GPU): IKernelRunShortcut {
  return gpu.createKernel(
    function (this: IKernelFunctionThis, values: number[], lo: number, hi: number, loHalf: number, scale: number, bins: number) {
      const x = values[this.thread.x]!;
      if (x !== x) return bins + 2;
      if (x < lo) return bins;
      if (x > hi) return bins + 1;
      const lastBin = bins - 1;
      if (x >= hi) return lastBin;
      // tile-stats' float binning, each step rounded to f32 (a no-op where gpu.js computes in f32).
      const t = Math.fround(Math.fround(Math.fround(x * 0.5) - loHalf) * scale);
      if (t > lastBin) return lastBin;
      if (t > 0) return Math.floor(t);
      return 0;
    },
    { output: [1], dynamicOutput: true, dynamicArguments: true },
  );
}

function buildCount(gpu: GPU, maxChunk: number): IKernelRunShortcut {
  return gpu
    .createKernel(
      function (this: IKernelFunctionThis, codes: number[], lengths: number[], chunkLength: number, firstCode: number) {
        const length = lengths[this.thread.y]!;
        const base = this.thread.y * chunkLength;
        const code = this.thread.x + firstCode;
        let n = 0;
        for (let i = 0; i < length; i++) {
          if (codes[base + i] === code) n++;
        }
        return n;
      },
      { output: [1, 1], dynamicOutput: true, dynamicArguments: true },
    )
    .setLoopMaxIterations(maxChunk);
}
