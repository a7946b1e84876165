import type { DType, ElementArray } from '../../src/array/dtype.js';
import type { WasmMemory } from './exports.js';

/** The C sources' dtype codes (kernels/wasm/c/common.h). */
export const DTYPE_CODE: Record<DType, number> = { u8: 0, u16: 1, f32: 2 };

/** An arena with a fixed region (a thread's scratch in a shared array's memory) ran out. */
export class ArenaFullError extends Error {
  constructor(bytes: number, limit: number) {
    super(`WebAssembly scratch region full: ${bytes} bytes wanted past ${limit}`);
  }
}

/**
 * The module's linear memory as a bump allocator: a kernel call resets it, takes the regions it
 * needs (accumulators, staged input rows, output rows) and lets them go at the end. Workers run
 * one task at a time, so one arena per module instance is enough. Over the module's own memory it
 * grows on demand and never gives memory back; typed-array views are made after every allocation
 * because growing detaches the old buffer. Over a scratch region (`limit`), it never grows: an
 * allocation past the region throws ArenaFullError, and the caller takes the other path.
 */
export class WasmArena {
  private top: number;
  /** Kernel calls that took this arena (each starts with reset()): lets tests see WASM ran. */
  calls = 0;

  constructor(
    private readonly memory: WasmMemory,
    private readonly base: number,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    this.base = Math.ceil(base / 64) * 64;
    this.top = this.base;
  }

  reset(): void {
    this.calls++;
    this.top = this.base;
  }

  /** The current top, to release() everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** A zeroed region of `bytes`, 64-byte aligned (a cache line: no false sharing of accumulators). */
  alloc(bytes: number): number {
    const at = this.top;
    const end = at + Math.ceil(bytes / 64) * 64;
    if (end > this.limit) throw new ArenaFullError(bytes, this.limit);
    const memory = this.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    new Uint8Array(memory.buffer, at, end - at).fill(0);
    this.top = end;
    return at;
  }

  u8(at: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, at, length);
  }

  u32(at: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, at, length);
  }

  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, length);
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, length);
  }

  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, length);
  }

  u64(at: number, length: number): BigUint64Array {
    return new BigUint64Array(this.memory.buffer, at, length);
  }

  /** `length` elements of `dtype` at `at`. */
  elements(dtype: DType, at: number, length: number): ElementArray {
    const buffer = this.memory.buffer;
    if (dtype === 'u8') return new Uint8Array(buffer, at, length);
    if (dtype === 'u16') return new Uint16Array(buffer, at, length);
    return new Float32Array(buffer, at, length);
  }
}
