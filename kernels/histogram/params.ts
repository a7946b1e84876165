import { DTYPE_INFO, type DType } from '../../src/array/dtype.js';
import { UsageError } from '../../src/errors.js';
import { acceptedValues, type ParamSpec } from '../params.js';
import { DEFAULT_BINS, makeBinning, MAX_BINS, type Binning, type ValueRange } from '../tile-stats/params.js';

export interface HistogramParams {
  /** Bins per channel, 1 .. MAX_BINS. */
  readonly bins: number;
  /**
   * Inclusive value range the bins divide. null means "the data's range" (found by a first pass),
   * except for u8 whose default is 0..255.
   */
  readonly range: ValueRange | null;
}

export const HISTOGRAM_PARAMS: readonly ParamSpec[] = [
  { name: 'bins', type: 'integer', min: 1, max: MAX_BINS, default: DEFAULT_BINS, description: 'bins per channel' },
  { name: 'range', type: 'range', description: "binned range, inclusive (default: 0:255 for u8, else the data's min:max)" },
];

function spec(name: string): ParamSpec {
  return HISTOGRAM_PARAMS.find((candidate) => candidate.name === name)!;
}

export function defaultHistogramParams(dtype: DType, bins: number = DEFAULT_BINS): HistogramParams {
  return { bins, range: dtype === 'u8' ? { lo: 0, hi: 255 } : null };
}

/** Cross-checks bins and range against the array's dtype; messages name what is accepted. */
export function validateHistogramParams(dtype: DType, params: HistogramParams): void {
  const { bins, range } = params;
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > MAX_BINS) {
    throw new UsageError(`parameter bins must be ${acceptedValues(spec('bins'))}, got ${bins}`);
  }
  if (range === null) return;
  if (!Number.isFinite(range.lo) || !Number.isFinite(range.hi) || range.lo > range.hi) {
    throw new UsageError(`parameter range must be ${acceptedValues(spec('range'))}, got ${range.lo}:${range.hi}`);
  }
  const info = DTYPE_INFO[dtype];
  if (info.isInteger) {
    if (!Number.isInteger(range.lo) || !Number.isInteger(range.hi) || range.lo < info.min || range.hi > info.max) {
      throw new UsageError(
        `parameter range for ${dtype} data must be integers lo:hi within ${info.min}:${info.max}, got ${range.lo}:${range.hi}`,
      );
    }
  } else if (Math.fround(range.lo) < info.min || Math.fround(range.hi) > info.max) {
    throw new UsageError(`parameter range for f32 data must lie within -3.4028235e38:3.4028235e38, got ${range.lo}:${range.hi}`);
  }
}

/**
 * The binning of tile-stats' histogram (see Binning in kernels/tile-stats/params.ts), so a value
 * lands in the same bin in both kernels on every backend. Needs a resolved range.
 */
export function histogramBinning(dtype: DType, params: HistogramParams): Binning {
  if (params.range === null) throw new Error('histogram: the range must be resolved (prepare) before binning');
  return makeBinning(dtype, params);
}
