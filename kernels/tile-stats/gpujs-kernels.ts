/**
 * The gpu.js kernel functions of tile-stats. gpu.js transpiles these functions' source (to GLSL,
 * WebAssembly or JS), so they use only its JS subset: no closures (everything arrives as an
 * argument or `this.constants`), loops bounded by a constant, f32 arithmetic throughout.
 *
 * Moments kernels: a thread sums one chunk of a piece row (gpujs-layout.ts): thread.x is the chunk
 * along the row, thread.y the row, thread.z the record = (slot * channels + channel) * parts + part.
 * Each thread returns four numbers; kernels needing more than four per chunk read the chunk once
 * per part. A thread past its piece's rows or columns returns its starting values (the host skips
 * it). The f32 code kernel: one thread per element, returning the element's histogram bin code.
 */
import type { GPU, IKernelRunShortcut, KernelFunction } from 'gpu.js';
import type { DType } from '../../src/array/dtype.js';
import type { GpuJsContext } from '../types.js';
import { chunkOf } from './gpujs-exact.js';

interface KernelThis {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: { readonly chunk: number; readonly bigScale: number; readonly split: number };
}

/** f32 deviations are summed as they are below 2^32 and scaled by 2^-80 above (see the f32 kernel). */
const BIG_SCALE = 2 ** -80;
const SPLIT = 2 ** 32;

/** Records per (slot, channel): u16 and f32 need eight numbers per chunk, u8 four. */
export const MOMENT_PARTS: Readonly<Record<DType, number>> = { u8: 1, u16: 2, f32: 2 };

/**
 * Histogram bin codes: a bin 0 .. bins-1, `bins` above the range (as params.ts's integerBin),
 * CODE_BELOW below it, CODE_NAN for NaN (in no bin). Infinities code as below/above, as the CPU
 * counts them. The f32 code kernel spells these numbers out: kernels cannot see module constants.
 */
export const CODE_NAN = -2;
export const CODE_BELOW = -1;

/** u8 record: [min, max, sum x, sum x^2] (sums < 258 * 255^2 < 2^24). */
function u8Moments(this: KernelThis, data: number[], pieceSizes: number[], rows: number, cols: number, channels: number): number[] {
  const slot = Math.floor(this.thread.z / channels);
  const c = this.thread.z - slot * channels;
  const row = this.thread.y;
  const col0 = this.thread.x * this.constants.chunk;
  let min = 256;
  let max = -1;
  let sum = 0;
  let sumSq = 0;
  if (row < pieceSizes[slot * 2]!) {
    const pieceCols = pieceSizes[slot * 2 + 1]!;
    const base = ((slot * rows + row) * cols + col0) * channels + c;
    for (let k = 0; k < this.constants.chunk; k++) {
      if (col0 + k >= pieceCols) break;
      const v = data[base + k * channels]!;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += v * v;
    }
  }
  return [min, max, sum, sumSq];
}

/**
 * u16 records: part 0 [min, max, sum x, 0]; part 1 [sum hi^2, sum hi*lo, sum lo^2, 0] with
 * x = hi*256 + lo, so no term exceeds 255^2 and no sum 2^24 (x^2 itself would reach 2^32).
 * Each part has its own loop, so the loops carry no per-element test of the part.
 */
function u16Moments(this: KernelThis, data: number[], pieceSizes: number[], rows: number, cols: number, channels: number): number[] {
  const part = this.thread.z % 2;
  const record = Math.floor(this.thread.z / 2);
  const slot = Math.floor(record / channels);
  const c = record - slot * channels;
  const row = this.thread.y;
  const col0 = this.thread.x * this.constants.chunk;
  let a = 0;
  let b = 0;
  let d = 0;
  if (part === 0) {
    a = 65536;
    b = -1;
  }
  if (row < pieceSizes[slot * 2]!) {
    const pieceCols = pieceSizes[slot * 2 + 1]!;
    const base = ((slot * rows + row) * cols + col0) * channels + c;
    if (part === 0) {
      for (let k = 0; k < this.constants.chunk; k++) {
        if (col0 + k >= pieceCols) break;
        const v = data[base + k * channels]!;
        if (v < a) a = v;
        if (v > b) b = v;
        d += v;
      }
    } else {
      for (let k = 0; k < this.constants.chunk; k++) {
        if (col0 + k >= pieceCols) break;
        const v = data[base + k * channels]!;
        const hi = Math.floor(v / 256);
        const lo = v - hi * 256;
        a += hi * hi;
        b += hi * lo;
        d += lo * lo;
      }
    }
  }
  return [a, b, d, 0];
}

/**
 * f32 records: part 0 [min, max, NaN count, +Inf count * (chunk + 1) + -Inf count] over the
 * chunk's finite values (min and max start at +-largest and mean nothing when the chunk has no
 * finite value; the host knows from the counts); part 1 [sum small, sum big, squares small,
 * squares big] of the deviations d = x - shift of the finite values from the tile's first finite
 * value. |d| < 2^32 is summed as is; larger d (an infinite d included: FLT_MAX - -FLT_MAX
 * overflows) is summed as x * 2^-80 - shift * 2^-80, so neither sum nor square leaves f32's range.
 * `x - x === 0` holds exactly for finite x (NaN and infinities give NaN).
 */
function f32Moments(
  this: KernelThis,
  data: number[],
  pieceSizes: number[],
  shifts: number[],
  rows: number,
  cols: number,
  channels: number,
  largest: number,
): number[] {
  const part = this.thread.z % 2;
  const record = Math.floor(this.thread.z / 2);
  const slot = Math.floor(record / channels);
  const c = record - slot * channels;
  const row = this.thread.y;
  const col0 = this.thread.x * this.constants.chunk;
  const shift = shifts[record]!;
  let a = 0;
  let b = 0;
  let e = 0;
  let f = 0;
  if (part === 0) {
    a = largest;
    b = -largest;
  }
  if (row < pieceSizes[slot * 2]!) {
    const pieceCols = pieceSizes[slot * 2 + 1]!;
    const base = ((slot * rows + row) * cols + col0) * channels + c;
    if (part === 0) {
      for (let k = 0; k < this.constants.chunk; k++) {
        if (col0 + k >= pieceCols) break;
        const x = data[base + k * channels]!;
        if (x - x === 0) {
          if (x < a) a = x;
          if (x > b) b = x;
        } else if (x !== x) {
          e += 1;
        } else if (x > 0) {
          f += this.constants.chunk + 1;
        } else {
          f += 1;
        }
      }
    } else {
      for (let k = 0; k < this.constants.chunk; k++) {
        if (col0 + k >= pieceCols) break;
        const x = data[base + k * channels]!;
        if (x - x === 0) {
          const deviation = x - shift;
          if (Math.abs(deviation) < this.constants.split) {
            a += deviation;
            e += deviation * deviation;
          } else {
            const scaled = x * this.constants.bigScale - shift * this.constants.bigScale;
            b += scaled;
            f += scaled * scaled;
          }
        }
      }
    }
  }
  return [a, b, e, f];
}

/**
 * Bin code of an f32 value, params.ts's float binning step by step in f32 (Math.fround keeps
 * gpu.js's JS backend, which computes in f64, on the same roundings as the others).
 */
function f32Codes(this: KernelThis, data: number[], lo: number, hi: number, loHalf: number, scale: number, lastBin: number): number {
  const x = data[this.thread.x]!;
  if (x !== x) return -2;
  if (x < lo) return -1;
  if (x > hi) return lastBin + 1;
  if (x >= hi) return lastBin;
  const t = Math.fround(Math.fround(Math.fround(x * 0.5) - loHalf) * scale);
  if (t > lastBin) return lastBin;
  if (t > 0) return Math.floor(t);
  return 0;
}

const MOMENTS: Readonly<Record<DType, KernelFunction>> = {
  u8: u8Moments as unknown as KernelFunction,
  u16: u16Moments as unknown as KernelFunction,
  f32: f32Moments as unknown as KernelFunction,
};

function settings(dtype: DType, returnType: 'Array(4)' | 'Number') {
  return {
    output: [1],
    returnType,
    constants: { chunk: chunkOf(dtype), bigScale: BIG_SCALE, split: SPLIT },
    // Batches differ in size; the WebAssembly backend compiles one module per size and keeps 8.
    dynamicOutput: true,
    dynamicArguments: true,
    precision: 'single' as const,
    tactic: 'precision' as const,
  };
}

export function momentsKernel(context: GpuJsContext, dtype: DType): IKernelRunShortcut {
  return context.kernel(`tile-stats:moments:${dtype}`, (gpu: GPU) => gpu.createKernel(MOMENTS[dtype], settings(dtype, 'Array(4)')));
}

export function f32CodesKernel(context: GpuJsContext): IKernelRunShortcut {
  return context.kernel('tile-stats:codes:f32', (gpu: GPU) => gpu.createKernel(f32Codes as unknown as KernelFunction, settings('f32', 'Number')));
}
