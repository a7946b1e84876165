import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { convertTo } from '../../src/array/convert.js';
import type { Tile } from '../../src/tiling/tile.js';
import { mapRule, type MapParams, type MapRule } from './params.js';

/**
 * The value an op gives for one input element, in f64 (the reference the f32 GPU backends are
 * checked against), before conversion to the output dtype. NaN gives NaN for every op.
 */
export function mapValue(rule: MapRule, x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  switch (rule.op) {
    case 'affine':
      // IEEE arithmetic on infinities: +-Inf*scale keeps or flips the sign, Inf*0 is NaN.
      return x * rule.scale + rule.offset;
    case 'clamp':
      // Comparisons, not Math.min/max: -0 stays -0 inside the bounds on every backend.
      return x < rule.lo ? rule.lo : x > rule.hi ? rule.hi : x;
    case 'threshold':
      return x < rule.level ? rule.below : rule.above;
    case 'gamma':
      // Intensities are non-negative: x <= 0 (and -Inf) gives 0, +Inf stays +Inf.
      if (!(x > 0)) return 0;
      return x === Number.POSITIVE_INFINITY ? x : rule.inputMax * Math.pow(x / rule.inputMax, rule.gamma);
    case 'normalize':
      return normalizeValue(rule, x);
  }
}

/**
 * from..to maps linearly onto lo..hi and the result is clamped to lo..hi, so +Inf gives hi and
 * -Inf gives lo. An empty input range (a constant image) or an empty output range gives lo for
 * every finite element.
 */
function normalizeValue(rule: MapRule, x: number): number {
  const { lo, hi, from, to } = rule;
  if (x === Number.POSITIVE_INFINITY) return hi;
  if (x === Number.NEGATIVE_INFINITY) return lo;
  if (from === to || lo === hi) return lo;
  const y = lo + ((x - from) / (to - from)) * (hi - lo);
  const bottom = Math.min(lo, hi);
  const top = Math.max(lo, hi);
  return y < bottom ? bottom : y > top ? top : y;
}

/** The CPU implementation and reference: each tile's core, element by element. */
export function mapCpu(view: ArrayView, tiles: readonly Tile[], params: MapParams, out: ArrayView): void {
  const rule = mapRule(view, params);
  const input = elementsOf(view);
  const output = elementsOf(out);
  const rowElements = view.width * view.channels;
  let elements = 0;
  for (const tile of tiles) elements += tile.width * tile.height * view.channels;
  // Integer inputs take at most 65536 values: where the batch is larger than that, every
  // possible result is computed once (by the same mapValue and convertTo) and looked up.
  const lutSize = view.dtype === 'u8' ? 256 : view.dtype === 'u16' ? 65536 : 0;
  if (lutSize > 0 && elements > 2 * lutSize) {
    const lut = new Float64Array(lutSize);
    for (let v = 0; v < lutSize; v++) lut[v] = convertTo(out.dtype, mapValue(rule, v));
    for (const tile of tiles) {
      for (let y = tile.y; y < tile.y + tile.height; y++) {
        const start = y * rowElements + tile.x * view.channels;
        const end = start + tile.width * view.channels;
        for (let i = start; i < end; i++) output[i] = lut[input[i]!]!;
      }
    }
    return;
  }
  for (const tile of tiles) {
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      const start = y * rowElements + tile.x * view.channels;
      const end = start + tile.width * view.channels;
      for (let i = start; i < end; i++) output[i] = convertTo(out.dtype, mapValue(rule, input[i]!));
    }
  }
}
