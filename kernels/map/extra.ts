import type { ArrayView } from '../../src/array/array-view.js';
import { mapRule, type MapOp, type MapParams } from './params.js';

/** Op codes the WGSL and the gpu.js function branch on. */
export const OP_CODE: Record<MapOp, number> = { affine: 0, clamp: 1, threshold: 2, gamma: 3, normalize: 4 };

/** Where NaN, +Inf and -Inf sit in the numbers: gpu.js has no literal for them. */
export const NAN_SLOT = 12;
export const POS_INF_SLOT = 13;
export const NEG_INF_SLOT = 14;

/**
 * The numbers both GPU backends compute with (WGSL reads them with param(i), the gpu.js
 * function gets them as `extra`); all are f32 on the GPU. Slot 0 is the op code, then per op:
 *   affine     1 scale, 2 offset
 *   clamp      1 has lo (0/1), 2 lo, 3 has hi (0/1), 4 hi
 *   threshold  1 level, 2 below, 3 above
 *   gamma      1 gamma, 2 M (input full scale), 3 1/M
 *   normalize  1 constant (0/1), 2 p1, 3 p2, 4 from*p1*p2, 5 r, 6 lo, 7 hi-lo, 8 min(lo,hi), 9 max(lo,hi), 10 hi
 * normalize computes t = (x*p1*p2 - from*p1*p2) * r with p1*p2 = 2^k chosen so that
 * (to - from) * 2^k lies in [1, 2) and r = 1 / that: every step stays inside f32's normal range
 * even for data spanning -FLT_MAX..FLT_MAX (each of p1, p2 is a power of two within 2^+-75).
 */
export function mapExtra(view: ArrayView, params: MapParams): number[] {
  const rule = mapRule(view, params);
  const extra = new Array<number>(16).fill(0);
  extra[0] = OP_CODE[rule.op];
  extra[NAN_SLOT] = Number.NaN;
  extra[POS_INF_SLOT] = Number.POSITIVE_INFINITY;
  extra[NEG_INF_SLOT] = Number.NEGATIVE_INFINITY;
  switch (rule.op) {
    case 'affine':
      extra[1] = rule.scale;
      extra[2] = rule.offset;
      break;
    case 'clamp':
      // Absent bounds are flags, not infinities, so no shader compares against an infinity.
      extra[1] = Number.isFinite(rule.lo) ? 1 : 0;
      extra[2] = Number.isFinite(rule.lo) ? rule.lo : 0;
      extra[3] = Number.isFinite(rule.hi) ? 1 : 0;
      extra[4] = Number.isFinite(rule.hi) ? rule.hi : 0;
      break;
    case 'threshold':
      extra[1] = rule.level;
      extra[2] = rule.below;
      extra[3] = rule.above;
      break;
    case 'gamma':
      extra[1] = rule.gamma;
      extra[2] = rule.inputMax;
      extra[3] = Math.fround(1 / rule.inputMax);
      break;
    case 'normalize': {
      const { from, to, lo, hi } = rule;
      const constant = from === to || lo === hi;
      const k = constant ? 0 : scaleExponent(to - from);
      const p1 = 2 ** Math.ceil(k / 2);
      const p2 = 2 ** (k - Math.ceil(k / 2));
      extra[1] = constant ? 1 : 0;
      extra[2] = p1;
      extra[3] = p2;
      extra[4] = Math.fround(from * p1 * p2);
      extra[5] = constant ? 0 : Math.fround(1 / Math.fround((to - from) * p1 * p2));
      extra[6] = lo;
      extra[7] = Math.fround(hi - lo);
      extra[8] = Math.min(lo, hi);
      extra[9] = Math.max(lo, hi);
      extra[10] = hi;
      break;
    }
  }
  return extra;
}

/** k such that width * 2^k lies in [1, 2). */
function scaleExponent(width: number): number {
  let k = -Math.floor(Math.log2(width));
  while (width * 2 ** k >= 2) k--;
  while (width * 2 ** k < 1) k++;
  return k;
}
