import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { KernelParity, ParityVerdict } from '../parity.js';
import { mapValue } from './cpu.js';
import { mapRule, type MapParams } from './params.js';
import { mapAllowedError, mapIsBitIdentical } from './tolerance.js';

const NONE = { scale: null, offset: null, lo: null, hi: null, level: null, below: null, above: null, gamma: null, range: null } as const;

/** The finite min:max over every channel, as normalize's first pass finds it (0:0 if none, never -0). */
export function finiteRange(view: ArrayView): { lo: number; hi: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of elementsOf(view)) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? { lo: lo + 0, hi: hi + 0 } : { lo: 0, hi: 0 };
}

/**
 * Every op, with integer and f32 outputs. normalize is given the data's range explicitly, so
 * the set runs on backends whose run cannot make tile-stats' first pass (gpu.js); the two-pass
 * plan itself is tested in test/kernels/map.test.ts.
 */
function paramSets(view: ArrayView): MapParams[] {
  const base = { ...NONE, dtype: 'same' as const };
  const isFloat = view.dtype === 'f32';
  return [
    { ...base, op: 'affine', scale: 1.5, offset: isFloat ? -0.25 : 3 },
    { ...base, op: 'affine', scale: -0.1, offset: 7.3, dtype: 'f32' },
    { ...base, op: 'affine', scale: 0.37, offset: 0.5, dtype: 'u8' },
    { ...base, op: 'clamp', lo: isFloat ? -1 : 20, hi: isFloat ? 2.5 : 200 },
    { ...base, op: 'clamp', hi: 100.5, dtype: 'u16' },
    { ...base, op: 'threshold', level: isFloat ? 0 : 128 },
    { ...base, op: 'threshold', level: 0.5, below: -1, above: 2.5, dtype: 'f32' },
    { ...base, op: 'gamma', gamma: 2.2 },
    { ...base, op: 'gamma', gamma: 0.45, dtype: 'f32' },
    { ...base, op: 'normalize', range: finiteRange(view) },
    { ...base, op: 'normalize', range: finiteRange(view), lo: 255, hi: 0, dtype: 'u8' },
  ];
}

/**
 * Bit-identical ops report the plain difference, allowed 0 (-0 and +0 differ there). The others
 * report in units of each element's allowed difference (1 = at the bound), where an element that
 * must be exact (a non-finite input or result) and differs is an infinite error.
 */
export function compareMapOutputs(reference: ArrayView, actual: ArrayView, view: ArrayView, params: MapParams): ParityVerdict {
  const rule = mapRule(view, params.op === 'normalize' && params.range === null ? { ...params, range: finiteRange(view) } : params);
  const input = elementsOf(view);
  const expected = elementsOf(reference);
  const got = elementsOf(actual);
  const bitIdentical = mapIsBitIdentical(rule);
  let worst = 0;
  let where: string | undefined;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = got[i]!;
    if (Object.is(a, e)) continue;
    const x = input[i]!;
    const allowed = bitIdentical ? 0 : mapAllowedError(rule, x, mapValue(rule, x));
    let error: number;
    if (!Number.isFinite(e) || !Number.isFinite(a)) error = Number.POSITIVE_INFINITY;
    else if (bitIdentical) error = Math.max(Math.abs(a - e), Number.MIN_VALUE);
    else error = allowed === 0 ? Number.POSITIVE_INFINITY : Math.abs(a - e) / allowed;
    if (error > worst) {
      worst = error;
      const px = Math.floor(i / view.channels);
      where = `element (${Math.floor(px / view.width)}, ${px % view.width}, ${i % view.channels}): input ${x}, got ${a}, reference ${e}`;
    }
  }
  return { error: worst, allowed: bitIdentical ? 0 : 1, ...(where === undefined ? {} : { where }) };
}

export const parity: KernelParity<MapParams> = {
  paramSets,
  compare(reference, actual, view, params) {
    if (!reference.output || !actual.output) throw new Error('map parity compares output arrays');
    return compareMapOutputs(reference.output, actual.output, view, params);
  },
};
