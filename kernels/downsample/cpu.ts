import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { convertTo } from '../../src/array/convert.js';
import { outputBlock } from '../../src/array/output-block.js';
import type { Tile } from '../../src/tiling/tile.js';
import { downsampleOutput } from './output.js';
import type { DownsampleParams, DownsampleReduction } from './params.js';

/**
 * One block's value, in f64, before conversion to the output dtype. NaN is skipped (numpy's
 * nanmean, nanmin, nanmax); a block of only NaN gives NaN. The mean of a block holding +Inf
 * gives +Inf, -Inf gives -Inf, both give NaN; otherwise it is the sum of the finite values (exact
 * for integer data: at most 4096 x 65535) over their count. min and max keep the first of equal
 * values in row-major order, so -0 and +0 tie.
 */
export function blockValue(
  input: ArrayLike<number>,
  view: Pick<ArrayView, 'width' | 'height' | 'channels'>,
  y0: number,
  x0: number,
  factor: number,
  c: number,
  reduce: DownsampleReduction,
): number {
  const y1 = Math.min(y0 + factor, view.height);
  const x1 = Math.min(x0 + factor, view.width);
  let best = Number.NaN;
  let sum = 0;
  let count = 0;
  let posInf = false;
  let negInf = false;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const v = input[(y * view.width + x) * view.channels + c]!;
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(best) || (reduce === 'min' && v < best) || (reduce === 'max' && v > best)) best = v;
      if (v === Number.POSITIVE_INFINITY) posInf = true;
      else if (v === Number.NEGATIVE_INFINITY) negInf = true;
      else {
        sum += v;
        count++;
      }
    }
  }
  if (reduce !== 'mean') return best;
  if (Number.isNaN(best) || (posInf && negInf)) return Number.NaN;
  if (posInf) return Number.POSITIVE_INFINITY;
  if (negInf) return Number.NEGATIVE_INFINITY;
  return sum / count;
}

/** The CPU implementation and reference: every output element of each tile's block. */
export function downsampleCpu(view: ArrayView, tiles: readonly Tile[], params: DownsampleParams, out: ArrayView): void {
  const shape = downsampleOutput(view, params);
  const input = elementsOf(view);
  const output = elementsOf(out);
  const f = params.factor;
  for (const tile of tiles) {
    const block = outputBlock(tile, shape);
    for (let oy = block.y; oy < block.y + block.height; oy++) {
      for (let ox = block.x; ox < block.x + block.width; ox++) {
        for (let c = 0; c < view.channels; c++) {
          const value = blockValue(input, view, oy * f, ox * f, f, c, params.reduce);
          output[(oy * out.width + ox) * out.channels + c] = convertTo(out.dtype, value);
        }
      }
    }
  }
}
