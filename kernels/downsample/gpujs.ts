import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { convertTo } from '../../src/array/convert.js';
import { outputBlock } from '../../src/array/output-block.js';
import type { Tile } from '../../src/tiling/tile.js';
import { runGpuJsMap } from '../map-support/map-gpujs.js';
import type { GpuJsMapParts } from '../types.js';
import { blockValue } from './cpu.js';
import { downsampleExtra } from './extra.js';
import { downsampleOutput } from './output.js';
import { MAX_FACTOR, type DownsampleParams } from './params.js';

/** The `this` gpu.js gives a kernel function. */
interface GpuJsThis {
  readonly thread: { readonly x: number; readonly y: number };
}

/**
 * One output element in the JavaScript subset gpu.js compiles (see runGpuJsMap for band, extra
 * and info; extra is kernels/downsample/extra.ts's). gpu.js computes in f32 (WebAssembly, GL)
 * or f64 (its CPU mode), so the rules of cpu.ts are kept in ways exact in both:
 *  - integer data: each block row sums exactly (< 64 x 65535 < 2^22); rows are split into
 *    multiples of 4096 and remainders, and the mean comes from a long division in two exact
 *    steps, so an integer output is the exactly rounded (half to even) quotient;
 *  - f32 data: rows of x * 2^-12 (no overflow), NaN skipped, infinities counted, the mean
 *    clamped to the block's finite extremes;
 *  - min/max: strict comparisons, NaN skipped (NaN === NaN is false), the first of ties kept.
 */
function downsampleElement(this: GpuJsThis, band: readonly number[], extra: readonly number[], info: readonly number[]): number {
  const width = info[0]!;
  const height = info[1]!;
  const channels = info[2]!;
  const f = extra[0]!;
  const op = extra[1]!;
  const element = this.thread.x + info[9]!;
  const c = element % channels;
  const ox = (element - c) / channels;
  const y0 = (info[4]! + this.thread.y) * f;
  const x0 = ox * f;
  let rows = f;
  if (height - y0 < rows) {
    rows = height - y0;
  }
  let cols = f;
  if (width - x0 < cols) {
    cols = width - x0;
  }
  const rowElements = width * channels;
  let found = 0;
  let best = 0;
  let posInf = 0;
  let negInf = 0;
  let count = 0;
  let total = 0;
  let high = 0;
  let low = 0;
  let finiteLo = 0;
  let finiteHi = 0;
  for (let dy = 0; dy < rows; dy++) {
    const at = (y0 + dy - info[3]!) * rowElements + x0 * channels + c;
    let rowSum = 0;
    for (let dx = 0; dx < cols; dx++) {
      const v = band[at + dx * channels]!;
      if (v === v) {
        if (found === 0) {
          best = v;
        } else if (op === 1 && v < best) {
          best = v;
        } else if (op === 2 && v > best) {
          best = v;
        }
        found = 1;
        if (v === extra[5]!) {
          posInf = 1;
        } else if (v === extra[6]!) {
          negInf = 1;
        } else {
          if (count === 0 || v < finiteLo) {
            finiteLo = v;
          }
          if (count === 0 || v > finiteHi) {
            finiteHi = v;
          }
          if (extra[3]! === 1) {
            rowSum += v;
          } else {
            rowSum += v * 0.000244140625;
          }
          count += 1;
        }
      }
    }
    if (extra[3]! === 1) {
      const part = Math.floor(rowSum / 4096);
      high += part;
      low += rowSum - part * 4096;
    } else {
      total += rowSum;
    }
  }
  let y = best;
  if (found === 0) {
    y = extra[4]!;
  } else if (op === 0) {
    if (posInf === 1 && negInf === 1) {
      y = extra[4]!;
    } else if (posInf === 1) {
      y = extra[5]!;
    } else if (negInf === 1) {
      y = extra[6]!;
    } else if (extra[3]! === 1) {
      // sum = high * 4096 + low with low < 4096, then sum / count as quotient and remainder:
      // every intermediate is an integer below 2^24, and a quotient that f32 rounding pushed
      // across an integer is corrected by its remainder.
      const carry = Math.floor(low / 4096);
      high += carry;
      low -= carry * 4096;
      let q1 = Math.floor(high / count);
      let r1 = high - q1 * count;
      if (r1 < 0) {
        q1 -= 1;
        r1 += count;
      }
      if (r1 >= count) {
        q1 += 1;
        r1 -= count;
      }
      const rest = r1 * 4096 + low;
      let q2 = Math.floor(rest / count);
      let r2 = rest - q2 * count;
      if (r2 < 0) {
        q2 -= 1;
        r2 += count;
      }
      if (r2 >= count) {
        q2 += 1;
        r2 -= count;
      }
      const q = q1 * 4096 + q2;
      if (extra[2]! === 1) {
        y = q;
        if (2 * r2 > count || (2 * r2 === count && q - 2 * Math.floor(q / 2) === 1)) {
          y = q + 1;
        }
      } else {
        y = q + r2 / count;
      }
    } else {
      y = (total / count) * 4096;
      if (y < finiteLo) {
        y = finiteLo;
      }
      if (y > finiteHi) {
        y = finiteHi;
      }
    }
  }
  return y;
}

/**
 * WebGL2 may flush subnormal floats to zero (GLSL ES 3.00 allows it; SwiftShader does), so a min
 * or max whose answer is a subnormal comes back as +0 or -0. Only then: comparisons between a
 * normal value and a flushed subnormal keep their order, so any other answer is already exact.
 * Those elements are recomputed here from the input with the CPU reference's blockValue.
 */
function restoreSubnormalExtremes(view: ArrayView, tiles: readonly Tile[], params: DownsampleParams, out: ArrayView): void {
  const shape = downsampleOutput(view, params);
  const input = elementsOf(view);
  const output = elementsOf(out);
  for (const tile of tiles) {
    const block = outputBlock(tile, shape);
    for (let oy = block.y; oy < block.y + block.height; oy++) {
      for (let ox = block.x; ox < block.x + block.width; ox++) {
        for (let c = 0; c < view.channels; c++) {
          const at = (oy * out.width + ox) * out.channels + c;
          if (output[at] === 0) output[at] = convertTo(out.dtype, blockValue(input, view, oy * params.factor, ox * params.factor, params.factor, c, params.reduce));
        }
      }
    }
  }
}

export const downsampleGpuJs: GpuJsMapParts<DownsampleParams> = {
  run(context, view, tiles, params, out) {
    runGpuJsMap(context, view, tiles, out, {
      key: 'builtin:downsample',
      fn: downsampleElement,
      halo: 0,
      shape: downsampleOutput(view, params),
      extra: downsampleExtra(view, params),
      loopMaxIterations: MAX_FACTOR,
    });
    if (view.dtype === 'f32' && params.reduce !== 'mean') restoreSubnormalExtremes(view, tiles, params, out);
  },
};
