import { DTYPE_INFO, type DType } from '../../src/array/dtype.js';
import { UsageError } from '../../src/errors.js';

/** Most histogram bins a tile may carry: bounded so (value - lo) * bins stays inside u32. */
export const MAX_BINS = 65536;
export const DEFAULT_BINS = 256;

export interface ValueRange {
  readonly lo: number;
  readonly hi: number;
}

export interface TileStatsParams {
  /** Histogram bins; 0 computes no histogram. */
  readonly bins: number;
  /**
   * Histogram range, inclusive at both ends. null means "the data's range" (found by a first
   * pass), except for u8 whose default is 0..255.
   */
  readonly range: ValueRange | null;
}

export function defaultTileStatsParams(dtype: DType, bins?: number): TileStatsParams {
  const binCount = bins ?? DEFAULT_BINS;
  return { bins: binCount, range: dtype === 'u8' ? { lo: 0, hi: 255 } : null };
}

export function validateTileStatsParams(dtype: DType, params: TileStatsParams): void {
  const { bins, range } = params;
  if (!Number.isSafeInteger(bins) || bins < 0 || bins > MAX_BINS) {
    throw new UsageError(`--bins must be an integer from 0 to ${MAX_BINS}, got ${bins}`);
  }
  if (range === null) return;
  const info = DTYPE_INFO[dtype];
  if (!Number.isFinite(range.lo) || !Number.isFinite(range.hi) || range.lo > range.hi) {
    throw new UsageError(
      `--range must be two finite numbers lo:hi with lo <= hi, got ${range.lo}:${range.hi}`,
    );
  }
  if (info.isInteger) {
    if (!Number.isInteger(range.lo) || !Number.isInteger(range.hi) || range.lo < info.min || range.hi > info.max) {
      throw new UsageError(
        `--range for ${dtype} data must be integers within ${info.min}:${info.max}, got ${range.lo}:${range.hi}`,
      );
    }
  } else if (Math.fround(range.lo) < info.min || Math.fround(range.hi) > info.max) {
    throw new UsageError(`--range for f32 data must lie within +-3.4028235e38`);
  }
}

/** Parses "lo:hi" (also "lo,hi") as given on the command line. */
export function parseRange(text: string): ValueRange {
  const parts = text.split(/[:,]/);
  const [lo, hi] = parts.map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((p) => p.trim() === '') || lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new UsageError(`--range must look like lo:hi (for example 0:4095), got '${text}'`);
  }
  return { lo, hi };
}

/**
 * Histogram binning shared by every backend, so integer data bins bit-identically.
 * Integers: bin = floor((v - lo) * bins / span), span = hi - lo + 1 (every integer in range
 * maps to a bin of nearly equal width). Floats: computed in f32 as
 * floor((x*0.5 - lo*0.5) * scale) with scale = f32(bins / (hi*0.5 - lo*0.5)) (the halving keeps
 * hi - lo finite for ranges as wide as f32 itself); x == hi goes to the last bin. A constant
 * float range lo == hi is widened to lo-0.5 .. hi+0.5, as numpy does.
 */
export interface Binning {
  readonly bins: number;
  readonly lo: number;
  readonly hi: number;
  /** Integer data: number of integers in the range. */
  readonly span: number;
  /** Float data: f32 scale applied to the halved offset. */
  readonly scale: number;
}

export function makeBinning(dtype: DType, params: TileStatsParams): Binning {
  if (params.bins === 0 || params.range === null) return { bins: 0, lo: 0, hi: 0, span: 1, scale: 0 };
  let { lo, hi } = params.range;
  if (DTYPE_INFO[dtype].isInteger) {
    return { bins: params.bins, lo, hi, span: hi - lo + 1, scale: 0 };
  }
  lo = Math.fround(lo);
  hi = Math.fround(hi);
  if (lo === hi) {
    lo = Math.fround(lo - 0.5);
    hi = Math.fround(hi + 0.5);
  }
  const halfWidth = Math.fround(Math.fround(hi * 0.5) - Math.fround(lo * 0.5));
  const scale = Math.fround(params.bins / halfWidth);
  // A range too narrow for f32 (lo == hi even after widening, at 1e30 say): every value below hi
  // goes to the first bin, hi itself to the last, the same on every backend.
  return { bins: params.bins, lo, hi, span: 0, scale: Number.isFinite(scale) ? scale : 0 };
}

/** Bin of an integer, or -1 below the range, or `bins` above it. */
export function integerBin(binning: Binning, v: number): number {
  if (v < binning.lo) return -1;
  const offset = v - binning.lo;
  if (offset >= binning.span) return binning.bins;
  return Math.floor((offset * binning.bins) / binning.span);
}
