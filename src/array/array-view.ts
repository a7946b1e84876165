import { allocateWasmArray } from '../../kernels/wasm/in-place.js';
import type { WasmMemory } from '../../kernels/wasm/exports.js';
import { UsageError } from '../errors.js';
import { DTYPE_INFO, type DType, type ElementArray } from './dtype.js';

/**
 * An image-like array: height x width x channels, channels interleaved, C order, held in a
 * SharedArrayBuffer so every CPU worker reads the same memory without a copy. Tiles are
 * descriptors into it; nothing is copied until a device must upload.
 */
export interface ArrayView {
  readonly dtype: DType;
  readonly height: number;
  readonly width: number;
  /** 1 to 4 interleaved channels. */
  readonly channels: number;
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of element (0, 0, 0) in `buffer`. */
  readonly byteOffset: number;
  /**
   * The shared WebAssembly.Memory whose buffer `buffer` is, where allocateArray put the array in
   * one (kernels/wasm/in-place.ts: the WASM kernels then read it in place). Only allocateArray sets
   * it; a view made over another buffer must not carry it.
   */
  readonly memory?: WasmMemory;
}

export const MAX_CHANNELS = 4;

export function elementCount(view: Pick<ArrayView, 'height' | 'width' | 'channels'>): number {
  return view.height * view.width * view.channels;
}

export function byteLength(view: Pick<ArrayView, 'dtype' | 'height' | 'width' | 'channels'>): number {
  return elementCount(view) * DTYPE_INFO[view.dtype].bytesPerElement;
}

export function validateShape(height: number, width: number, channels: number): void {
  for (const [name, value] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new UsageError(`array ${name} must be a positive integer, got ${value}`);
    }
  }
  if (channels > MAX_CHANNELS) {
    throw new UsageError(`arrays may have 1 to ${MAX_CHANNELS} channels, got ${channels}`);
  }
}

/**
 * Allocates a zeroed shared array. Rows are padded to nothing; the buffer is padded to 4 bytes.
 * In Node, arrays of 4 MiB and more live in a shared WebAssembly.Memory, after a header and
 * scratch space, so the WASM kernels read them in place (kernels/wasm/in-place.ts); smaller ones,
 * and every array where that is unavailable, in a plain SharedArrayBuffer.
 */
export function allocateArray(dtype: DType, height: number, width: number, channels = 1): ArrayView {
  validateShape(height, width, channels);
  const bytes = height * width * channels * DTYPE_INFO[dtype].bytesPerElement;
  const inWasm = allocateWasmArray(bytes);
  if (inWasm) return { dtype, height, width, channels, ...inWasm };
  // A multiple of 4 so the buffer can be read as u32 words (GPU uploads need it).
  const buffer = new SharedArrayBuffer(Math.ceil(bytes / 4) * 4);
  return { dtype, height, width, channels, buffer, byteOffset: 0 };
}

/** The elements of the whole array as a typed array over the shared buffer (no copy). */
export function elementsOf(view: ArrayView): ElementArray {
  return DTYPE_INFO[view.dtype].construct(view.buffer, view.byteOffset, elementCount(view));
}

/** Builds a shared array holding a copy of `data` (used by readers and tests). */
export function arrayFromElements(
  dtype: DType,
  height: number,
  width: number,
  channels: number,
  data: ArrayLike<number>,
): ArrayView {
  const view = allocateArray(dtype, height, width, channels);
  if (data.length !== elementCount(view)) {
    throw new UsageError(
      `expected ${elementCount(view)} elements for ${height}x${width}x${channels}, got ${data.length}`,
    );
  }
  elementsOf(view).set(data);
  return view;
}
