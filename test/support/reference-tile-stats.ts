/**
 * An independent, deliberately plain reference for tile-stats: it gathers each tile's values
 * into an array and computes everything from scratch (bigint for integer sums), sharing no code
 * with the kernel's CPU implementation except the documented binning formula's constants.
 */
import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';

export interface ReferenceChannel {
  count: number;
  nanCount: number;
  posInfCount: number;
  negInfCount: number;
  min: number;
  max: number;
  sum: number | bigint;
  sumSq: number | bigint;
  sumAbs: number;
  mean: number;
  /** Population std of the finite values, two-pass in f64 (NaN when none, or with infinities). */
  std: number;
  /** sqrt(mean((x - first)^2)) of the finite values: the scale std errors are measured against. */
  spread: number;
  histogram: number[];
  below: number;
  above: number;
}

export function tileValues(view: ArrayView, tile: { y: number; x: number; height: number; width: number }, c: number): number[] {
  const data = elementsOf(view);
  const values: number[] = [];
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    for (let x = tile.x; x < tile.x + tile.width; x++) values.push(data[(y * view.width + x) * view.channels + c]!);
  }
  return values;
}

export function referenceChannel(
  values: number[],
  isInteger: boolean,
  bins: number,
  range: { lo: number; hi: number } | null,
): ReferenceChannel {
  const notNaN = values.filter((v) => !Number.isNaN(v));
  const finite = notNaN.filter((v) => Number.isFinite(v));
  const posInf = notNaN.filter((v) => v === Infinity).length;
  const negInf = notNaN.filter((v) => v === -Infinity).length;
  let min = Number.NaN;
  let max = Number.NaN;
  for (const v of notNaN) {
    if (Number.isNaN(min) || v < min) min = v;
    if (Number.isNaN(max) || v > max) max = v;
  }
  if (min === 0) min = 0; // -0 reported as 0
  if (max === 0) max = 0;
  const histogram = new Array<number>(bins).fill(0);
  let below = 0;
  let above = 0;
  if (bins > 0 && range) {
    let { lo, hi } = range;
    if (!isInteger) {
      lo = Math.fround(lo);
      hi = Math.fround(hi);
      if (lo === hi) {
        lo = Math.fround(lo - 0.5);
        hi = Math.fround(hi + 0.5);
      }
    }
    const scale = Math.fround(bins / Math.fround(Math.fround(hi / 2) - Math.fround(lo / 2)));
    for (const v of notNaN) {
      if (v < lo) below++;
      else if (v > hi) above++;
      else if (isInteger) histogram[Math.floor(((v - lo) * bins) / (hi - lo + 1))]!++;
      else if (v === hi) histogram[bins - 1]!++;
      else histogram[Math.min(bins - 1, Math.floor(Math.fround(Math.fround(Math.fround(v / 2) - Math.fround(lo / 2)) * scale)))]!++;
    }
  }
  let sum: number | bigint;
  let sumSq: number | bigint;
  let mean: number;
  if (isInteger) {
    sum = notNaN.reduce((acc, v) => acc + BigInt(v), 0n);
    sumSq = notNaN.reduce((acc, v) => acc + BigInt(v) * BigInt(v), 0n);
    mean = notNaN.length ? Number(sum) / notNaN.length : Number.NaN;
  } else {
    const finiteSum = finite.reduce((acc, v) => acc + v, 0);
    const infinite = posInf && negInf ? Number.NaN : posInf ? Infinity : negInf ? -Infinity : 0;
    sum = finiteSum + infinite;
    sumSq = finite.reduce((acc, v) => acc + v * v, 0) + (posInf || negInf ? Infinity : 0);
    mean = notNaN.length ? (sum as number) / notNaN.length : Number.NaN;
  }
  const finiteMean = finite.reduce((acc, v) => acc + v, 0) / finite.length;
  const variance = finite.reduce((acc, v) => acc + (v - finiteMean) ** 2, 0) / finite.length;
  const std = finite.length === 0 || posInf || negInf ? Number.NaN : Math.sqrt(variance);
  const first = finite[0] ?? 0;
  const spread = Math.sqrt(finite.reduce((acc, v) => acc + (v - first) ** 2, 0) / Math.max(1, finite.length));
  return {
    count: notNaN.length,
    std,
    spread,
    nanCount: values.length - notNaN.length,
    posInfCount: posInf,
    negInfCount: negInf,
    min,
    max,
    sum,
    sumSq,
    sumAbs: finite.reduce((acc, v) => acc + Math.abs(v), 0),
    mean,
    histogram,
    below,
    above,
  };
}

export function referenceTile(view: ArrayView, tile: Tile, bins: number, range: { lo: number; hi: number } | null): ReferenceChannel[] {
  const channels: ReferenceChannel[] = [];
  for (let c = 0; c < view.channels; c++) channels.push(referenceChannel(tileValues(view, tile, c), view.dtype !== 'f32', bins, range));
  return channels;
}
