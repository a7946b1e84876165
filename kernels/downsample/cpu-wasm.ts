import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { Tile } from '../../src/tiling/tile.js';
import { DTYPE_CODE } from '../wasm/arena.js';
import { chunkRows, stagedRowBytes, stageRows, tileBands, unstageRows } from '../wasm/bands.js';
import type { WasmKernels } from '../wasm/module.js';
import type { DownsampleParams } from './params.js';

const REDUCE_CODE = { mean: 0, min: 1, max: 2 } as const;

/**
 * downsample on the WebAssembly kernels (kernels/wasm/c/downsample.c): bit-identical to the
 * reference (cpu.ts) for every dtype. Factor 2 on one-channel u8/u16 data runs in SIMD (integer
 * sums, rounding half to even with shifts); everything else runs the reference's loop in C.
 * A band's input rows are staged, its output rows computed into the module's memory and copied
 * out (one copy per chunk when the band spans whole rows).
 */
export function downsampleWasm(kernels: WasmKernels, view: ArrayView, tiles: readonly Tile[], params: DownsampleParams, out: ArrayView): void | null {
  const { arena, exports } = kernels;
  const f = params.factor;
  const C = view.channels;
  const source = elementsOf(view);
  const target = elementsOf(out);
  const outBytes = DTYPE_INFO[out.dtype].bytesPerElement;
  for (const band of tileBands(tiles)) {
    const mark = arena.mark();
    const ox0 = band.x0 / f;
    const ox1 = Math.ceil(band.x1 / f);
    const oy0 = band.y / f;
    const oy1 = Math.ceil((band.y + band.height) / f);
    const inRowBytes = stagedRowBytes(view, band.x0, band.x1);
    const outRows = Math.max(1, Math.min(oy1 - oy0, Math.floor(chunkRows(inRowBytes) / f)));
    const stage = arena.alloc(outRows * f * inRowBytes);
    const outStride = (ox1 - ox0) * C;
    const outStage = arena.alloc(outRows * outStride * outBytes);
    const inStride = (band.x1 - band.x0) * C;
    for (let oy = oy0; oy < oy1; oy += outRows) {
      const rows = Math.min(outRows, oy1 - oy);
      const y = oy * f;
      const inputRows = Math.min(rows * f, view.height - y);
      stageRows(arena, view, source, y, inputRows, band.x0, band.x1, stage);
      for (let r = 0; r < rows; r++) {
        const available = Math.min(f, inputRows - r * f);
        exports.downsample_row(
          stage + r * f * inRowBytes,
          DTYPE_CODE[view.dtype],
          inStride,
          available,
          band.x1 - band.x0,
          C,
          f,
          REDUCE_CODE[params.reduce],
          DTYPE_CODE[out.dtype],
          outStage + r * outStride * outBytes,
        );
      }
      unstageRows(arena, out, target, oy, rows, ox0, ox1, outStage);
    }
    arena.release(mark);
  }
  return undefined;
}
