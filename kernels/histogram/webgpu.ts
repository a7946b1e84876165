import type { ArrayView } from '../../src/array/array-view.js';
import { DeviceError } from '../../src/errors.js';
import type { Tile } from '../../src/tiling/tile.js';
import { loadWgsl } from '../load-wgsl.js';
import type { Band, WebGpuReductionParts } from '../types.js';
import { binningUniforms } from '../tile-stats/webgpu.js';
import { histogramBinning, type HistogramParams } from './params.js';
import { emptyHistogramPartial, type HistogramPartial } from './partial.js';

/** Words before the counts in a (tile, channel) record: below, above, NaN (histogram.wgsl). */
const RECORD_HEADER = 3;
const DTYPE_CODE = { u8: 0, u16: 1, f32: 2 } as const;

export const histogramWebGpu: WebGpuReductionParts<HistogramParams, HistogramPartial> = {
  // The bin count and range travel in the uniforms, so one pipeline per dtype serves them all.
  shaderKey: (view) => `histogram:${view.dtype}`,

  shaderSource(view, _params, workgroupSize) {
    const header = `const DTYPE: u32 = ${DTYPE_CODE[view.dtype]}u;\nconst WG: u32 = ${workgroupSize}u;\n`;
    return header + loadWgsl(import.meta.url, './histogram.wgsl');
  },

  recordWords: (_view, params) => RECORD_HEADER + params.bins,

  uniforms(view: ArrayView, params: HistogramParams, band: Band): ArrayBuffer {
    return binningUniforms(view, band, histogramBinning(view.dtype, params), RECORD_HEADER + params.bins, 48);
  },

  decode(records: Uint32Array, tile: Tile, view: ArrayView, params: HistogramParams): HistogramPartial {
    const recordWords = RECORD_HEADER + params.bins;
    const partial = emptyHistogramPartial(view.channels, params.bins);
    const elements = tile.width * tile.height;
    partial.channels.forEach((channel, c) => {
      const base = c * recordWords;
      channel.below = records[base]!;
      channel.above = records[base + 1]!;
      channel.nan = records[base + 2]!;
      channel.counts.set(records.subarray(base + RECORD_HEADER, base + recordWords));
      // Every element lands in exactly one place; a shortfall means the shader lost counts.
      const total = channel.counts.reduce((sum, n) => sum + n, channel.below + channel.above + channel.nan);
      if (total !== elements) {
        throw new DeviceError(`WebGPU histogram of tile ${tile.index} channel ${c} counted ${total} of its ${elements} elements`);
      }
    });
    return partial;
  },
};
