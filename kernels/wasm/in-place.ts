import type { ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import { ArenaFullError, WasmArena } from './arena.js';
import { EXPORT_NAMES, webAssemblyApi, type WasmKernelExports, type WasmMemory } from './exports.js';
import type { WasmKernels } from './module.js';

/**
 * Reading arrays in place. A module reads only its own memory, so the plain kernels copy every
 * row in (10-16% of a reduction's time, and in Node a copy out of a SharedArrayBuffer is V8's
 * slower word-by-word memmove). In Node, arrays of MIN_WASM_ARRAY_BYTES and more are therefore
 * allocated inside a shared WebAssembly.Memory (allocateWasmArray), and the kernels' shared build
 * (tilerun-kernels-shared.wasm, the same C over an imported memory) is instantiated over that
 * memory by whichever thread runs a batch of it: its rows are read where they lie.
 *
 * The memory's layout: byte 0 a header (a magic word, the number of scratch slots, then one owner
 * word per slot); from SCRATCH_START, SCRATCH_SLOT_BYTES per slot (a thread's arena, its stack at
 * the top); then the array. A thread takes a free slot for one kernel call and gives it back after,
 * so a slot is never held by a thread that is gone. Where no slot is free, or a call needs more
 * scratch than a slot has, the kernel runs the usual way, copying rows into its own instance.
 */
const MAGIC = 0x7469_6c72; // "tilr"
const MAGIC_AT = 0;
const SLOTS_AT = 1;
const OWNERS_AT = 2;
const MAX_SLOTS = 64;
const SCRATCH_START = 2 * 65536;
export const SCRATCH_SLOT_BYTES = 4 << 20;
const STACK_BYTES = 64 << 10;
/** Smaller arrays keep a plain SharedArrayBuffer (each wasm memory reserves address space: V8 keeps ~10 GiB per memory). */
export const MIN_WASM_ARRAY_BYTES = 4 << 20;
/** wasm32 addresses 4 GiB; the header and scratch come first. */
const MAX_MEMORY_BYTES = 2 ** 32 - 65536;

export const SHARED_WASM_MODULE_URL = new URL('./tilerun-kernels-shared.wasm', import.meta.url);

interface SharedWasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: ArrayBufferView | ArrayBuffer) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

interface NodeLike {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

const nodeProcess = (): NodeLike | undefined => (globalThis as { process?: NodeLike }).process;

/** Scratch slots for an array's memory: one per thread that may run at once, and one for the main thread. */
function slotCount(): number {
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return Math.min(MAX_SLOTS, (os?.availableParallelism?.() ?? 4) + 1);
}

/**
 * Whether glibc's malloc gives this process transparent huge pages: GLIBC_TUNABLES sets
 * glibc.malloc.hugetlb to 1 or 2 (tilerun's launcher, bin/tilerun.js, does) and the kernel's THP
 * mode is not `never`. A plain SharedArrayBuffer is then backed by 2 MiB pages, where a wasm
 * memory (mapped by V8 itself) keeps 4 KiB ones.
 */
export function mallocHugePages(tunables: string | undefined, thpMode: () => string | null): boolean {
  const settings = [...(tunables ?? '').matchAll(/(?:^|:)glibc\.malloc\.hugetlb=(\d+)/g)];
  const last = settings[settings.length - 1]?.[1];
  if (last !== '1' && last !== '2') return false;
  const mode = thpMode();
  return mode !== null && /\[(always|madvise)\]/.test(mode);
}

let hugePagesCached: boolean | undefined;

function processHasMallocHugePages(node: NodeLike): boolean {
  if (hugePagesCached !== undefined) return hugePagesCached;
  const fs = node.getBuiltinModule?.('node:fs') as { readFileSync(path: string, encoding: 'utf8'): string } | undefined;
  hugePagesCached = mallocHugePages(node.env?.GLIBC_TUNABLES, () => {
    try {
      return fs?.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8') ?? null;
    } catch {
      return null;
    }
  });
  return hugePagesCached;
}

/**
 * A zeroed array of `bytes` inside a shared WebAssembly.Memory laid out for in-place kernels, or
 * null where that is not possible or worth it: outside Node, below MIN_WASM_ARRAY_BYTES, past
 * wasm32's 4 GiB, with TILERUN_WASM_ARRAYS=0, when the engine refuses the memory, or (unless
 * TILERUN_WASM_ARRAYS=1) where malloc gives huge pages. There a fresh SharedArrayBuffer's first
 * touch costs far less than the wasm memory's 4 KiB page faults (on this project's VMs 0.8-1.3
 * against 12-13 us per 4 KiB: 0.2 s for a 64 MiB input, against the 1-5 ms that reading in place
 * saves the kernels), and every array a run reads or writes is touched first once.
 */
export function allocateWasmArray(bytes: number): { memory: WasmMemory; buffer: SharedArrayBuffer; byteOffset: number } | null {
  const node = nodeProcess();
  if (node?.versions?.node === undefined || node.env?.TILERUN_WASM_ARRAYS === '0' || bytes < MIN_WASM_ARRAY_BYTES) return null;
  if (node.env?.TILERUN_WASM_ARRAYS !== '1' && processHasMallocHugePages(node)) return null;
  const slots = slotCount();
  const byteOffset = SCRATCH_START + slots * SCRATCH_SLOT_BYTES;
  const total = byteOffset + Math.ceil(bytes / 4) * 4;
  if (total > MAX_MEMORY_BYTES) return null;
  const api = (globalThis as { WebAssembly?: SharedWasmApi }).WebAssembly;
  if (!api) return null;
  const pages = Math.ceil(total / 65536);
  let memory: WasmMemory;
  try {
    memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
  const header = new Int32Array(memory.buffer, 0, OWNERS_AT + slots);
  header[SLOTS_AT] = slots;
  header[MAGIC_AT] = MAGIC;
  return { memory, buffer: memory.buffer as unknown as SharedArrayBuffer, byteOffset };
}

let sharedModule: object | null | undefined;

/** The shared build, compiled once per thread; null where it is missing (no clang) or not in Node. */
function loadSharedModule(): object | null {
  if (sharedModule !== undefined) return sharedModule;
  sharedModule = null;
  const fs = nodeProcess()?.getBuiltinModule?.('node:fs') as { readFileSync(path: URL): Uint8Array } | undefined;
  const api = webAssemblyApi();
  if (!fs || !api) return null;
  try {
    sharedModule = new api.Module(fs.readFileSync(SHARED_WASM_MODULE_URL));
  } catch {
    sharedModule = null;
  }
  return sharedModule;
}

interface SharedExports extends WasmKernelExports {
  readonly __stack_pointer: { value: number };
}

/** One instance per memory object this thread has seen (a worker gets a new object with each task). */
const instances = new WeakMap<object, SharedExports | null>();

function instanceFor(memory: WasmMemory): SharedExports | null {
  let exports = instances.get(memory);
  if (exports !== undefined) return exports;
  exports = null;
  const module = loadSharedModule();
  const api = webAssemblyApi();
  if (module && api) {
    const instance = new api.Instance(module, { env: { memory } });
    const candidate = instance.exports as unknown as SharedExports;
    if (EXPORT_NAMES.every((name) => typeof candidate[name] === 'function') && typeof candidate.__stack_pointer === 'object') exports = candidate;
  }
  instances.set(memory, exports);
  return exports;
}

/** Calls that read their array in place (tests check that the path ran). */
export const inPlaceStats = { calls: 0, fallbacks: 0 };

/**
 * Kernels over `view`'s own memory, with a scratch slot of it taken for this call, or null where
 * the view does not live in such a memory (or no slot is free). Call release() when done.
 */
export function inPlaceKernels(view: ArrayView): { kernels: WasmKernels; release(): void } | null {
  const memory = view.memory;
  if (memory === undefined) return null;
  const header = new Int32Array(memory.buffer, 0, OWNERS_AT + MAX_SLOTS);
  const slots = header[SLOTS_AT]!;
  if (header[MAGIC_AT] !== MAGIC || slots < 1 || slots > MAX_SLOTS) return null;
  // The view must lie in the array part of this memory (a view made over another buffer must not carry it).
  const bytes = view.height * view.width * view.channels * DTYPE_INFO[view.dtype].bytesPerElement;
  if (view.byteOffset < SCRATCH_START + slots * SCRATCH_SLOT_BYTES || view.byteOffset + bytes > memory.buffer.byteLength || view.buffer.byteLength !== memory.buffer.byteLength) return null;
  const exports = instanceFor(memory);
  if (exports === null) return null;
  let slot = -1;
  for (let i = 0; i < slots; i++) {
    if (Atomics.compareExchange(header, OWNERS_AT + i, 0, 1) === 0) {
      slot = i;
      break;
    }
  }
  if (slot < 0) return null;
  const base = SCRATCH_START + slot * SCRATCH_SLOT_BYTES;
  exports.__stack_pointer.value = base + SCRATCH_SLOT_BYTES;
  const arena = new WasmArena(memory, base, base + SCRATCH_SLOT_BYTES - STACK_BYTES);
  arena.reset();
  return { kernels: { exports, arena, inPlace: memory }, release: () => Atomics.store(header, OWNERS_AT + slot, 0) };
}

/**
 * Runs `compute` on kernels that read `view` in place where it can, else (no such memory, no free
 * slot, or more scratch needed than a slot has) on `kernels`, which copy rows in (their arena was
 * reset for this call by withWasm, and the attempt in place never touched it).
 */
export function inPlaceFirst<R>(kernels: WasmKernels, view: ArrayView, compute: (kernels: WasmKernels) => R): R {
  const local = inPlaceKernels(view);
  if (local !== null) {
    try {
      const result = compute(local.kernels);
      inPlaceStats.calls++;
      return result;
    } catch (error) {
      if (!(error instanceof ArenaFullError)) throw error;
      inPlaceStats.fallbacks++;
    } finally {
      local.release();
    }
  }
  return compute(kernels);
}
