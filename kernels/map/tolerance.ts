import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { MapRule } from './params.js';

/** 2^-126, the smallest normal f32: GPUs may flush anything smaller to zero. */
const FLUSH = 2 ** -126;

export const MAP_TOLERANCE =
  'clamp, threshold: bit-identical on every backend. affine, gamma, normalize (GPUs compute in f32): ' +
  'f32 outputs within B, integer outputs within 1 + floor(B), where B = 2^-20 (|x*scale| + |offset|) for affine, ' +
  '2^-20 (|lo| + |hi - lo|) for normalize, 2^-19 (1 + gamma (1 + |log2(x/M)|)) |y| for gamma, each plus 2^-126-sized terms ' +
  'for GPUs that flush subnormals; NaN and +-Inf results identical everywhere';

/**
 * The largest difference an element may show between a backend and the CPU reference, in
 * output units, for input x (see MAP_TOLERANCE). `y` is the reference value before conversion.
 * 0 means the results must be bit-identical.
 */
export function mapAllowedError(rule: MapRule, x: number, y: number): number {
  const bound = f32Bound(rule, x, y);
  if (bound === 0) return 0;
  return DTYPE_INFO[rule.out].isInteger ? 1 + Math.floor(bound) : bound;
}

/** Ops whose results must agree bit for bit on every element. */
export function mapIsBitIdentical(rule: MapRule): boolean {
  return rule.op === 'clamp' || rule.op === 'threshold' || (rule.op === 'normalize' && (rule.from === rule.to || rule.lo === rule.hi));
}

function f32Bound(rule: MapRule, x: number, y: number): number {
  if (!Number.isFinite(x)) return 0; // non-finite inputs take exact branches
  switch (rule.op) {
    case 'clamp':
    case 'threshold':
      return 0;
    case 'affine':
      // Two f32 roundings (or one fused) of x*scale + offset; a flushed input or result.
      return 2 ** -20 * (Math.abs(x * rule.scale) + Math.abs(rule.offset)) + (1 + Math.abs(rule.scale)) * FLUSH;
    case 'normalize': {
      const span = Math.abs(rule.hi - rule.lo);
      if (rule.from === rule.to || span === 0) return 0; // every finite element gives lo exactly
      // t = (x - from) / (to - from) carries a few f32 roundings; it is scaled by the span.
      return 2 ** -20 * (Math.abs(rule.lo) + span) + FLUSH * (1 + span / (rule.to - rule.from));
    }
    case 'gamma': {
      if (!(x > 0)) return 0;
      const M = rule.inputMax;
      // pow is exp2(gamma * log2(v)) on GPUs: its error grows with |gamma * log2(v)|. A flushed
      // input gives 0 instead of the output of at most the smallest normal.
      const relative = 2 ** -19 * (1 + rule.gamma * (1 + Math.abs(Math.log2(x / M))));
      return relative * Math.abs(y) + M * Math.pow(FLUSH / M, rule.gamma) + FLUSH;
    }
  }
}
