import { runGpuJsMap } from '../map-support/map-gpujs.js';
import type { GpuJsMapParts } from '../types.js';
import { convolveHalo, gpuNumbers, outputDType, type ConvolveParams } from './params.js';

interface GpuJsThis {
  readonly thread: { readonly x: number; readonly y: number };
}

/**
 * One output element, in the JS subset gpu.js transpiles (see map-gpujs.ts for band, extra and
 * info). extra is params.ts gpuNumbers: [rows, cols, boundary code, constant, weights...]. Loops
 * run to the constant 15 (params.ts MAX_SIDE: gpu.js functions see no module constants) with the
 * real bound tested inside, as GL backends need. Rows outside the array already hold what the
 * boundary mode says, the constant included; columns are mapped here.
 */
function convolveElement(this: GpuJsThis, band: number[], extra: number[], info: number[]): number {
  const width = info[0]!;
  const channels = info[2]!;
  const rows = extra[0]!;
  const cols = extra[1]!;
  const mode = extra[2]!;
  const element = this.thread.x + info[9]!;
  const c = element % channels;
  const x = (element - c) / channels;
  const top = info[4]! + this.thread.y - info[3]! - (rows - 1) / 2;
  const left = x - (cols - 1) / 2;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    if (i < rows) {
      for (let j = 0; j < 15; j++) {
        if (j < cols) {
          const w = extra[4 + i * cols + j]!;
          // Zero weights are outside the stencil, as on the CPU (0 x Inf would be NaN).
          if (w !== 0) {
            const xx = boundaryIndex(left + j, width, mode);
            let v = extra[3]!;
            if (xx >= 0) {
              v = band[(top + i) * width * channels + xx * channels + c]!;
            }
            sum += w * v;
          }
        }
      }
    }
  }
  return sum;
}

// Provided to gpu.js functions by runGpuJsMap (gpu.addFunction); declared for the type checker.
declare function boundaryIndex(i: number, n: number, mode: number): number;

export const convolveGpuJs: GpuJsMapParts<ConvolveParams> = {
  run(context, view, tiles, params, out) {
    runGpuJsMap(context, view, tiles, out, {
      key: 'convolve',
      fn: convolveElement,
      halo: convolveHalo(params),
      boundary: { mode: params.boundary, value: params.value },
      shape: { dtype: outputDType(params, view.dtype), height: view.height, width: view.width, channels: view.channels, factor: 1 },
      extra: gpuNumbers(params),
    });
  },
};
