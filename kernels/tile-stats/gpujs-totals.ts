/**
 * The host side of the gpu.js backend: adds up what the kernels return for each (tile, channel)
 * and turns the totals into the ChannelStats the CPU reference produces. Record layouts are
 * documented with the kernels (gpujs-kernels.ts); the exactness rule in gpujs-exact.ts.
 */
import type { DType } from '../../src/array/dtype.js';
import type { Tile } from '../../src/tiling/tile.js';
import { chunkOf } from './gpujs-exact.js';
import { CODE_BELOW, CODE_NAN, MOMENT_PARTS } from './gpujs-kernels.js';
import type { Call } from './gpujs-layout.js';
import { emptyChannelStats, momentsFromExactSums, type ChannelStats } from './partial.js';

const TWO_POW_52 = 2 ** 52;

/** Bin codes are counted at code + CODE_OFFSET: [NaN, below, bin 0 .. bins-1, above]. */
export const CODE_OFFSET = -CODE_NAN;
const TWO_POW_80 = 2 ** 80;
const TWO_POW_160 = 2 ** 160;

/** Sums integer-valued doubles below 2^52 exactly, moving into a bigint before 2^53 is reached. */
export class ExactSum {
  private small = 0;
  private big = 0n;

  add(value: number): void {
    this.small += value;
    if (this.small >= TWO_POW_52) {
      this.big += BigInt(this.small);
      this.small = 0;
    }
  }

  get value(): bigint {
    return this.big + BigInt(this.small);
  }
}

/** What the threads of one tile and channel add up to. */
export class ChannelTotals {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Integers: sum of x; u8: [sum x^2]; u16: [sum hi^2, sum hi*lo, sum lo^2]. */
  readonly sum = new ExactSum();
  readonly squares = [new ExactSum(), new ExactSum(), new ExactSum()] as const;
  /** f32: counts and the deviation sums (small and scaled by 2^-80; squares by 2^-160). */
  nan = 0;
  posInf = 0;
  negInf = 0;
  sumSmall = 0;
  sumBig = 0;
  squaresSmall = 0;
  squaresBig = 0;
  /** Histogram codes counted at code + CODE_OFFSET: [NaN, below, bin 0 .. bins-1, above]. */
  readonly codes: Uint32Array;

  constructor(bins: number) {
    this.codes = new Uint32Array(bins > 0 ? CODE_OFFSET + bins + 1 : 0);
  }
}

/** The moments kernel's result: [record][row][chunk] -> four numbers. */
export type MomentRecords = ArrayLike<ArrayLike<ArrayLike<ArrayLike<number>>>>;

/** Adds one call's moment records into the totals of its tiles (`totals[tile][channel]`). */
export function addMoments(dtype: DType, call: Call, records: MomentRecords, totals: readonly ChannelTotals[][]): void {
  const { channels } = call.shape;
  const parts = MOMENT_PARTS[dtype];
  const chunk = chunkOf(dtype);
  call.pieces.forEach((piece, slot) => {
    for (let c = 0; c < channels; c++) {
      const into = totals[piece.tile]![c]!;
      for (let part = 0; part < parts; part++) {
        const layer = records[(slot * channels + c) * parts + part]!;
        for (let r = 0; r < piece.rows; r++) {
          const row = layer[r]!;
          for (let s = 0; s * chunk < piece.cols; s++) {
            const record = row[s]!;
            const elements = Math.min(chunk, piece.cols - s * chunk);
            if (dtype === 'f32') addFloatRecord(into, part, record, elements, chunk);
            else addIntegerRecord(into, dtype, part, record);
          }
        }
      }
    }
  });
}

function addIntegerRecord(into: ChannelTotals, dtype: 'u8' | 'u16', part: number, record: ArrayLike<number>): void {
  if (part === 0) {
    into.min = Math.min(into.min, record[0]!);
    into.max = Math.max(into.max, record[1]!);
    into.sum.add(record[2]!);
    if (dtype === 'u8') into.squares[0].add(record[3]!);
  } else {
    into.squares[0].add(record[0]!);
    into.squares[1].add(record[1]!);
    into.squares[2].add(record[2]!);
  }
}

function addFloatRecord(into: ChannelTotals, part: number, record: ArrayLike<number>, elements: number, chunk: number): void {
  if (part === 0) {
    const nan = record[2]!;
    const posInf = Math.floor(record[3]! / (chunk + 1));
    const negInf = record[3]! - posInf * (chunk + 1);
    into.nan += nan;
    into.posInf += posInf;
    into.negInf += negInf;
    // A chunk without finite values has no min or max (its record holds the starting values).
    if (nan + posInf + negInf < elements) {
      if (record[0]! < into.min) into.min = record[0]!;
      if (record[1]! > into.max) into.max = record[1]!;
    }
  } else {
    into.sumSmall += record[0]!;
    into.sumBig += record[1]!;
    into.squaresSmall += record[2]!;
    into.squaresBig += record[3]!;
  }
}

/** Counts one call's histogram codes (laid out as the call's input) into its tiles' totals. */
export function addCodes(call: Call, codes: ArrayLike<number>, totals: readonly ChannelTotals[][]): void {
  const { rows, cols, channels } = call.shape;
  const offset = CODE_OFFSET;
  call.pieces.forEach((piece, slot) => {
    const counts = totals[piece.tile]!.map((t) => t.codes);
    for (let r = 0; r < piece.rows; r++) {
      const start = (slot * rows + r) * cols * channels;
      const end = start + piece.cols * channels;
      if (channels === 1) {
        const into = counts[0]!;
        for (let i = start; i < end; i++) into[codes[i]! + offset]!++;
      } else {
        for (let i = start; i < end; i += channels) {
          for (let c = 0; c < channels; c++) counts[c]![codes[i + c]! + offset]!++;
        }
      }
    }
  });
}

/** The ChannelStats of one tile and channel; `shift` is the f32 deviations' origin. */
export function finishChannel(dtype: DType, totals: ChannelTotals, tile: Tile, bins: number, shift: number): ChannelStats {
  const isInteger = dtype !== 'f32';
  const stats = emptyChannelStats(bins, isInteger);
  const elements = tile.width * tile.height;
  stats.elements = elements;
  if (bins > 0) {
    stats.histogram.set(totals.codes.subarray(CODE_OFFSET, CODE_OFFSET + bins));
    stats.below = totals.codes[CODE_OFFSET + CODE_BELOW]!;
    stats.above = totals.codes[CODE_OFFSET + bins]!;
  }
  if (isInteger) {
    const sum = totals.sum.value;
    const sumSq =
      dtype === 'u8'
        ? totals.squares[0].value
        : (totals.squares[0].value << 16n) + (totals.squares[1].value << 9n) + totals.squares[2].value;
    stats.finiteCount = elements;
    stats.finiteMin = totals.min;
    stats.finiteMax = totals.max;
    stats.exactSum = sum;
    stats.exactSumSq = sumSq;
    ({ mean: stats.mean, m2: stats.m2 } = momentsFromExactSums(elements, sum, sumSq));
    return stats;
  }
  stats.nanCount = totals.nan;
  stats.posInfCount = totals.posInf;
  stats.negInfCount = totals.negInf;
  const finiteCount = elements - totals.nan - totals.posInf - totals.negInf;
  stats.finiteCount = finiteCount;
  if (finiteCount > 0) {
    stats.finiteMin = totals.min === 0 ? 0 : totals.min; // never -0, as on every backend
    stats.finiteMax = totals.max === 0 ? 0 : totals.max;
    const sum = totals.sumSmall + totals.sumBig * TWO_POW_80;
    const sumSq = totals.squaresSmall + totals.squaresBig * TWO_POW_160;
    stats.mean = shift + sum / finiteCount;
    stats.m2 = Math.max(0, sumSq - (sum * sum) / finiteCount);
  }
  return stats;
}
