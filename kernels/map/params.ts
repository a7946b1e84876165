import type { ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO, type DType } from '../../src/array/dtype.js';
import { UsageError } from '../../src/errors.js';
import type { ParamSpec } from '../params.js';
import type { ValueRange } from '../tile-stats/params.js';

export const MAP_OPS = ['affine', 'clamp', 'threshold', 'gamma', 'normalize'] as const;
export type MapOp = (typeof MAP_OPS)[number];

export const MAP_DTYPES = ['same', 'u8', 'u16', 'f32'] as const;
export type MapDType = (typeof MAP_DTYPES)[number];

/**
 * What `-p` gives the map kernel. Every op-specific number is null unless the user gave it, so
 * a number meant for another op (`op=affine gamma=2`) is an error rather than silently ignored;
 * the defaults that depend on the output dtype are filled in by mapRule.
 */
export interface MapParams {
  readonly op: MapOp;
  readonly scale: number | null;
  readonly offset: number | null;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly level: number | null;
  readonly below: number | null;
  readonly above: number | null;
  readonly gamma: number | null;
  /** normalize: the input values sent to lo and hi; null asks a first pass for the data's finite min:max. */
  readonly range: ValueRange | null;
  readonly dtype: MapDType;
}

export const MAP_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'op', type: 'choice', choices: MAP_OPS, default: 'affine', description: 'the transform (affine with no numbers copies, converting to dtype)' },
  { name: 'scale', type: 'number', description: 'affine: x*scale+offset (default 1)' },
  { name: 'offset', type: 'number', description: 'affine: x*scale+offset (default 0)' },
  { name: 'lo', type: 'number', description: 'clamp: lower bound (default none); normalize: output for the range start (default 0)' },
  { name: 'hi', type: 'number', description: 'clamp: upper bound (default none); normalize: output for the range end (default 1 for f32, else the dtype maximum)' },
  { name: 'level', type: 'number', description: 'threshold: x < level gives below, else above (required)' },
  { name: 'below', type: 'number', description: 'threshold: output under the level (default 0)' },
  { name: 'above', type: 'number', description: 'threshold: output at or over the level (default 1 for f32, else the dtype maximum)' },
  { name: 'gamma', type: 'number', min: 0, description: 'gamma: M*(x/M)^gamma, M = 255 (u8), 65535 (u16), 1 (f32); required, > 0' },
  { name: 'range', type: 'range', description: "normalize: input lo:hi mapped to lo..hi (default: the data's finite min:max, found by a first pass)" },
  { name: 'dtype', type: 'choice', choices: MAP_DTYPES, default: 'same', description: 'output dtype (integers: rounded half to even, clamped, NaN to 0)' },
];

/** The numbers each op reads; any other number given is a mistake worth naming. */
const USES: Record<MapOp, readonly (keyof MapParams)[]> = {
  affine: ['scale', 'offset'],
  clamp: ['lo', 'hi'],
  threshold: ['level', 'below', 'above'],
  gamma: ['gamma'],
  normalize: ['lo', 'hi', 'range'],
};
const OPTIONAL_NUMBERS = ['scale', 'offset', 'lo', 'hi', 'level', 'below', 'above', 'gamma', 'range'] as const;

const FLT_MAX = DTYPE_INFO.f32.max;

/** GPUs compute in f32, so a number must be a finite f32 for every backend to use the same value. */
function checkF32(name: string, value: number): void {
  if (!Number.isFinite(value) || Math.abs(Math.fround(value)) > FLT_MAX) {
    throw new UsageError(`parameter ${name} must be a finite number within +-3.4028235e38 (f32), got ${value}`);
  }
}

export function validateMapParams(view: ArrayView, params: MapParams): void {
  if (!(MAP_OPS as readonly string[]).includes(params.op)) {
    throw new UsageError(`parameter op must be one of ${MAP_OPS.join(', ')}, got '${String(params.op)}'`);
  }
  if (!(MAP_DTYPES as readonly string[]).includes(params.dtype)) {
    throw new UsageError(`parameter dtype must be one of ${MAP_DTYPES.join(', ')}, got '${String(params.dtype)}'`);
  }
  const uses = USES[params.op];
  for (const name of OPTIONAL_NUMBERS) {
    const value = params[name];
    if (value === null || value === undefined) continue;
    if (!uses.includes(name)) {
      throw new UsageError(`parameter ${name} does not apply to op=${params.op} (it takes ${uses.join(', ')}, and dtype)`);
    }
    if (typeof value === 'number') checkF32(name, value);
    else {
      checkF32(`${name} start`, value.lo);
      checkF32(`${name} end`, value.hi);
      if (value.lo > value.hi) throw new UsageError(`parameter range must have lo <= hi, got ${value.lo}:${value.hi}`);
    }
  }
  switch (params.op) {
    case 'clamp':
      if (params.lo === null && params.hi === null) throw new UsageError('op=clamp needs lo, hi or both');
      if (params.lo !== null && params.hi !== null && params.lo > params.hi) {
        throw new UsageError(`op=clamp needs lo <= hi, got lo=${params.lo} hi=${params.hi}`);
      }
      break;
    case 'threshold':
      if (params.level === null) throw new UsageError('op=threshold needs level (x < level gives below, else above)');
      break;
    case 'gamma':
      if (params.gamma === null || !(params.gamma > 0)) throw new UsageError(`op=gamma needs gamma > 0, got ${params.gamma}`);
      break;
    case 'normalize': {
      // The output span hi - lo must itself be an f32, or the GPUs' lo + t*(hi - lo) overflows.
      const span = Math.fround(params.hi ?? defaultHigh(outputDType(view, params))) - Math.fround(params.lo ?? 0);
      if (!(Math.abs(Math.fround(span)) <= FLT_MAX)) {
        throw new UsageError(`op=normalize needs |hi - lo| within f32, got lo=${params.lo} hi=${params.hi}`);
      }
      break;
    }
    case 'affine':
      break;
  }
}

export function outputDType(view: ArrayView, params: MapParams): DType {
  return params.dtype === 'same' ? view.dtype : params.dtype;
}

/** The natural "on" value of a dtype: 1 for f32, the maximum for integers. */
function defaultHigh(dtype: DType): number {
  return DTYPE_INFO[dtype].isInteger ? DTYPE_INFO[dtype].max : 1;
}

/**
 * Every number an op uses, defaults filled in and rounded to f32 (what the GPUs compute with),
 * so the CPU reference and the GPU backends start from identical numbers.
 */
export interface MapRule {
  readonly op: MapOp;
  readonly out: DType;
  readonly scale: number;
  readonly offset: number;
  /** clamp: -Infinity / +Infinity where no bound is given; normalize: the output range. */
  readonly lo: number;
  readonly hi: number;
  readonly level: number;
  readonly below: number;
  readonly above: number;
  readonly gamma: number;
  /** gamma: the input's full scale M (255, 65535 or 1). */
  readonly inputMax: number;
  /** normalize: the input range (from the first pass or the range parameter). */
  readonly from: number;
  readonly to: number;
}

export function mapRule(view: ArrayView, params: MapParams): MapRule {
  const out = outputDType(view, params);
  const f = (value: number | null, fallback: number) => Math.fround(value ?? fallback);
  const isNormalize = params.op === 'normalize';
  if (isNormalize && params.range === null) throw new Error('map: normalize ran without its input range (prepare finds it)');
  return {
    op: params.op,
    out,
    scale: f(params.scale, 1),
    offset: f(params.offset, 0),
    lo: f(params.lo, isNormalize ? 0 : Number.NEGATIVE_INFINITY),
    hi: f(params.hi, isNormalize ? defaultHigh(out) : Number.POSITIVE_INFINITY),
    level: f(params.level, 0),
    below: f(params.below, 0),
    above: f(params.above, defaultHigh(out)),
    gamma: f(params.gamma, 1),
    inputMax: DTYPE_INFO[view.dtype].isInteger ? DTYPE_INFO[view.dtype].max : 1,
    from: f(params.range?.lo ?? null, 0),
    to: f(params.range?.hi ?? null, 0),
  };
}
