import type { ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import { loadWgsl } from '../load-wgsl.js';
import type { Band, WebGpuReductionParts } from '../types.js';
import { makeBinning, type Binning, type TileStatsParams } from './params.js';
import { emptyChannelStats, momentsFromExactSums, type ChannelStats, type TileStatsPartial } from './partial.js';

const RECORD_HEADER = 16;
const DTYPE_CODE = { u8: 0, u16: 1, f32: 2 } as const;
const TWO_POW_80 = 2 ** 80;
const TWO_POW_160 = 2 ** 160;

/**
 * f32 results from WebGPU agree with the CPU reference to these tolerances (the GPU sums in f32,
 * the CPU in f64; integer data is bit-identical):
 *   |sum - ref| <= F32_RELATIVE_TOLERANCE * sum(|x|),  likewise for the sum of squares,
 *   min, max, counts and infinities exact, histogram counts exact (binning is done in f32 on both).
 */
export const F32_RELATIVE_TOLERANCE = 2e-5;

export const tileStatsWebGpu: WebGpuReductionParts<TileStatsParams, TileStatsPartial> = {
  shaderKey: (view) => `tile-stats:${view.dtype}`,

  shaderSource(view, _params, workgroupSize) {
    const header = `const DTYPE: u32 = ${DTYPE_CODE[view.dtype]}u;\nconst WG: u32 = ${workgroupSize}u;\n`;
    return header + loadWgsl(import.meta.url, './tile-stats.wgsl');
  },

  recordWords: (_view, params) => RECORD_HEADER + params.bins,

  uniforms(view: ArrayView, params: TileStatsParams, band: Band, tileCount: number): ArrayBuffer {
    const buffer = binningUniforms(view, band, makeBinning(view.dtype, params), RECORD_HEADER + params.bins, 64);
    const words = new Uint32Array(buffer);
    const floats = new Float32Array(buffer);
    words[10] = tileCount;
    floats[12] = 2 ** -80;
    floats[13] = 2 ** -80;
    return buffer;
  },

  decode(records: Uint32Array, tile: Tile, view: ArrayView, params: TileStatsParams): TileStatsPartial {
    const recordWords = RECORD_HEADER + params.bins;
    const channels: ChannelStats[] = [];
    const floats = new Float32Array(records.buffer, records.byteOffset, records.length);
    const elements = tile.width * tile.height;
    for (let c = 0; c < view.channels; c++) {
      const base = c * recordWords;
      const isFloat = view.dtype === 'f32';
      const stats = emptyChannelStats(params.bins, !isFloat);
      stats.elements = elements;
      stats.histogram.set(records.subarray(base + RECORD_HEADER, base + recordWords));
      stats.below = records[base + 5]!;
      stats.above = records[base + 6]!;
      if (isFloat) {
        stats.nanCount = records[base + 2]!;
        stats.posInfCount = records[base + 3]!;
        stats.negInfCount = records[base + 4]!;
        const finiteCount = elements - stats.nanCount - stats.posInfCount - stats.negInfCount;
        stats.finiteCount = finiteCount;
        if (finiteCount > 0) {
          stats.finiteMin = keyToFloat(records[base]!);
          stats.finiteMax = keyToFloat(records[base + 1]!);
          const shift = floats[base + 7]!;
          const sum = floats[base + 12]! + floats[base + 13]! * TWO_POW_80;
          const sumSq = floats[base + 14]! + floats[base + 15]! * TWO_POW_160;
          stats.mean = shift + sum / finiteCount;
          stats.m2 = Math.max(0, sumSq - (sum * sum) / finiteCount);
        }
      } else {
        stats.finiteCount = elements;
        stats.finiteMin = records[base]!;
        stats.finiteMax = records[base + 1]!;
        const sum = (BigInt(records[base + 9]!) << 32n) + BigInt(records[base + 8]!);
        const sumSq = (BigInt(records[base + 11]!) << 32n) + BigInt(records[base + 10]!);
        stats.exactSum = sum;
        stats.exactSumSq = sumSq;
        ({ mean: stats.mean, m2: stats.m2 } = momentsFromExactSums(elements, sum, sumSq));
      }
      channels.push(stats);
    }
    return { channels };
  },
};

const keyScratch = new DataView(new ArrayBuffer(4));

/** Inverse of the shader's order-preserving float_key. */
function keyToFloat(key: number): number {
  const bits = key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0;
  keyScratch.setUint32(0, bits);
  return keyScratch.getFloat32(0);
}

/**
 * The uniform words tile-stats.wgsl and histogram.wgsl share: array geometry, the band's head
 * elements, the binning (integer and f32 forms) and the record size. Kernels add their own
 * words after word 9.
 */
export function binningUniforms(view: ArrayView, band: Band, binning: Binning, recordWords: number, bytes: number): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes);
  const words = new Uint32Array(buffer);
  const floats = new Float32Array(buffer);
  words[0] = view.width;
  words[1] = view.channels;
  words[2] = band.headElements;
  words[3] = binning.bins;
  words[4] = binning.span > 0 ? binning.lo : 0;
  words[5] = binning.span;
  floats[6] = binning.lo;
  floats[7] = binning.hi;
  floats[8] = binning.scale;
  words[9] = recordWords;
  return buffer;
}
