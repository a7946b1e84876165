import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { Tile } from '../../src/tiling/tile.js';
import { boundaryIndex } from '../boundary.js';
import { DTYPE_CODE } from '../wasm/arena.js';
import { STAGE_BYTES, stageRows, tileBands, unstageRows, type TileBand } from '../wasm/bands.js';
import type { WasmKernels } from '../wasm/module.js';
import { weightsOf, type ConvolveParams } from './params.js';

/**
 * convolve on the WebAssembly SIMD kernels (kernels/wasm/c/convolve.c). A band of output rows is
 * computed a strip at a time from a padded f64 copy of the rows and columns its stencil reads
 * (boundary rows and columns filled here under the kernel's boundary rule), summed in f64 in the
 * reference's tap order, two elements per f64x2: bit-identical to the reference (cpu.ts) for
 * every dtype. (f32 sums would run about twice as fast but only within the GPUs' tolerance.)
 */
export function convolveWasm(kernels: WasmKernels, view: ArrayView, tiles: readonly Tile[], params: ConvolveParams, out: ArrayView): void | null {
  const weights = weightsOf(params);
  const taps: { i: number; j: number; w: number }[] = [];
  weights.values.forEach((w, k) => {
    if (w !== 0) taps.push({ i: Math.floor(k / weights.cols), j: k % weights.cols, w });
  });
  for (const band of tileBands(tiles)) {
    const mark = kernels.arena.mark();
    convolveBand(kernels, view, band, params, weights.rows, weights.cols, taps, out);
    kernels.arena.release(mark);
  }
  return undefined;
}

function convolveBand(
  kernels: WasmKernels,
  view: ArrayView,
  band: TileBand,
  params: ConvolveParams,
  rows: number,
  cols: number,
  taps: readonly { i: number; j: number; w: number }[],
  out: ArrayView,
): void {
  const { arena, exports } = kernels;
  const C = view.channels;
  const rowHalo = (rows - 1) / 2;
  const colHalo = (cols - 1) / 2;
  const constant = Math.fround(params.value);
  const padX0 = band.x0 - colHalo;
  const paddedStride = (band.x1 - band.x0 + 2 * colHalo) * C;
  const outElements = (band.x1 - band.x0) * C;
  // In-array columns of the padded rows: copied and widened by the module; the rest filled here.
  // The constant is the f32 the GPUs hold, as in the reference.
  const inX0 = Math.max(0, padX0);
  const inX1 = Math.min(view.width, band.x1 + colHalo);
  const strip = Math.max(1, Math.min(band.height, Math.floor(STAGE_BYTES / (paddedStride * 8)) - 2 * rowHalo));
  const padded = arena.alloc((strip + 2 * rowHalo) * paddedStride * 8);
  const raw = arena.alloc(Math.max(0, inX1 - inX0) * C * DTYPE_INFO[view.dtype].bytesPerElement);
  const outBytes = DTYPE_INFO[out.dtype].bytesPerElement;
  const outStage = arena.alloc(strip * outElements * outBytes);
  const sums = arena.alloc(outElements * 8);
  const offsets = arena.alloc(taps.length * 4);
  const weightsAt = arena.alloc(taps.length * 8);
  arena.i32(offsets, taps.length).set(taps.map(({ i, j }) => i * paddedStride + j * C));
  arena.f64(weightsAt, taps.length).set(taps.map(({ w }) => w));
  const source = elementsOf(view);
  const target = elementsOf(out);
  const padColumns: { at: number; x: number }[] = [];
  for (let px = padX0; px < band.x1 + colHalo; px++) {
    if (px < inX0 || px >= inX1) padColumns.push({ at: (px - padX0) * C, x: boundaryIndex(px, view.width, params.boundary) });
  }
  for (let y = band.y; y < band.y + band.height; y += strip) {
    const outRows = Math.min(strip, band.y + band.height - y);
    for (let r = 0; r < outRows + 2 * rowHalo; r++) {
      const row = padded + r * paddedStride * 8;
      const sourceRow = boundaryIndex(y - rowHalo + r, view.height, params.boundary);
      if (sourceRow < 0) {
        arena.f64(row, paddedStride).fill(constant);
        continue;
      }
      if (inX1 > inX0) {
        stageRows(arena, view, source, sourceRow, 1, inX0, inX1, raw);
        exports.widen_row(raw, DTYPE_CODE[view.dtype], (inX1 - inX0) * C, row + (inX0 - padX0) * C * 8);
      }
      if (padColumns.length > 0) {
        const paddedRow = arena.f64(row, paddedStride);
        for (const { at, x } of padColumns) {
          for (let c = 0; c < C; c++) paddedRow[at + c] = x < 0 ? constant : source[(sourceRow * view.width + x) * C + c]!;
        }
      }
    }
    exports.convolve_rows(padded, paddedStride, outRows, outElements, offsets, weightsAt, taps.length, DTYPE_CODE[out.dtype], outStage, outElements, sums);
    unstageRows(arena, out, target, y, outRows, band.x0, band.x1, outStage);
  }
}
