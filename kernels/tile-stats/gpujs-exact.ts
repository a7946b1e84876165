import type { DType } from '../../src/array/dtype.js';

/**
 * The rule that keeps tile-stats exact on gpu.js. gpu.js computes in f32 on every backend (GL
 * shaders, WebAssembly; its JS backend rounds each result to f32), and f32 holds every integer
 * below 2^24 exactly but not beyond. So every number a gpu.js kernel computes, reads or returns
 * is kept below 2^24:
 *
 * - Integer sums: a thread sums at most `integerChunk(dtype)` elements, chosen so that the
 *   chunk times the largest term one element adds stays below 2^24. u8 adds x <= 255 and
 *   x^2 <= 255^2 (so 258 elements). u16 adds x <= 65535 (so 256 elements); its square does not fit
 *   (65535^2 > 2^24), so a u16 value is split as x = hi*256 + lo and the thread sums hi^2, hi*lo
 *   and lo^2 (each <= 255^2); the host recombines x^2 = hi^2*2^16 + hi*lo*2^9 + lo^2 in BigInt.
 * - Indices and thread ids: a kernel call covers at most MAX_CALL_ELEMENTS elements.
 * - Histogram bin codes are at most MAX_BINS + 1; the counting itself is done by the host in
 *   integer arrays (gpu.js has no scatter), so no per-thread count exists to overflow.
 */
export const F32_EXACT_INTEGER_LIMIT = 2 ** 24;

/** Largest amount one element adds to any integer sum a thread keeps. */
export const LARGEST_TERM: Readonly<Record<'u8' | 'u16', number>> = {
  u8: 255 * 255, // x^2
  u16: 65535, // x itself; the split square terms are <= 255^2
};

/** Elements one thread sums for integer data: the most n with n * LARGEST_TERM < 2^24. */
export function integerChunk(dtype: 'u8' | 'u16'): number {
  return Math.floor((F32_EXACT_INTEGER_LIMIT - 1) / LARGEST_TERM[dtype]);
}

/**
 * Elements one thread sums for f32 data. Not an exactness limit but an accuracy one: an f32 sum of
 * n terms is off by at most (n-1) * 2^-24 * sum|term| (6e-8 x 63 = 3.8e-6 here), well inside the
 * documented F32_RELATIVE_TOLERANCE of 2e-5; the host adds the threads' sums in f64.
 */
export const F32_CHUNK = 64;

export function chunkOf(dtype: DType): number {
  return dtype === 'f32' ? F32_CHUNK : integerChunk(dtype);
}

/**
 * Most elements (padding included) one kernel call reads: 2^22, so every index and thread id stays
 * a quarter of the way below 2^24, and a call's input and output stay at 16 MiB each.
 */
export const MAX_CALL_ELEMENTS = 2 ** 22;
