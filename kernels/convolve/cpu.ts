import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { convertTo } from '../../src/array/convert.js';
import type { Tile } from '../../src/tiling/tile.js';
import { boundaryIndex, type BoundaryName } from '../boundary.js';
import { weightsOf, type ConvolveParams } from './params.js';

/**
 * For each of `count` positions start, start+1, ... and each of `taps` offsets -r .. taps-1-r,
 * the in-array index boundary.ts gives (-1 for the constant), position-major.
 */
export function indexTable(start: number, count: number, taps: number, n: number, mode: BoundaryName): Int32Array {
  const r = (taps - 1) / 2;
  const table = new Int32Array(count * taps);
  for (let p = 0; p < count; p++) {
    for (let t = 0; t < taps; t++) table[p * taps + t] = boundaryIndex(start + p + t - r, n, mode);
  }
  return table;
}

/**
 * The reference: out(y, x, c) = sum over weights w(i, j) != 0, row-major, of
 * w(i, j) x in(y + i - rows/2, x + j - cols/2, c), accumulated in f64 and converted once to the
 * output dtype. Zero weights are skipped (they are outside the stencil: a zero next to an
 * infinity gives 0, not NaN); NaN and infinities under non-zero weights propagate as IEEE
 * arithmetic says. Boundary indices are tabulated once per tile rather than per element.
 */
export function convolveCpu(view: ArrayView, tiles: readonly Tile[], params: ConvolveParams, out: ArrayView): void {
  const { rows, cols, values } = weightsOf(params);
  const input = elementsOf(view);
  const output = elementsOf(out);
  const C = view.channels;
  const W = view.width;
  // The GPUs hold the constant as f32; so does the reference.
  const constant = Math.fround(params.value);
  const taps: { i: number; j: number; w: number }[] = [];
  values.forEach((w, k) => {
    if (w !== 0) taps.push({ i: Math.floor(k / cols), j: k % cols, w });
  });
  for (const tile of tiles) {
    const rowIndex = indexTable(tile.y, tile.height, rows, view.height, params.boundary);
    const colIndex = indexTable(tile.x, tile.width, cols, W, params.boundary);
    for (let y = 0; y < tile.height; y++) {
      for (let x = 0; x < tile.width; x++) {
        const at = ((tile.y + y) * W + tile.x + x) * C;
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (const { i, j, w } of taps) {
            const yy = rowIndex[y * rows + i]!;
            const xx = colIndex[x * cols + j]!;
            sum += w * (yy < 0 || xx < 0 ? constant : input[(yy * W + xx) * C + c]!);
          }
          output[at + c] = convertTo(out.dtype, sum);
        }
      }
    }
  }
}
