import { WasmArena } from './arena.js';
import { EXPORT_NAMES, webAssemblyApi, type WasmKernelExports, type WasmMemory } from './exports.js';

/** One instance of the kernels module and the arena over its memory (one per thread). */
export interface WasmKernels {
  readonly exports: WasmKernelExports;
  readonly arena: WasmArena;
  /** The array memory this instance reads in place (kernels/wasm/in-place.ts); absent for a thread's own instance. */
  readonly inPlace?: WasmMemory;
}

/** Where the build puts the module: beside this file, in the source tree and in dist/. */
export const WASM_MODULE_URL = new URL('./tilerun-kernels.wasm', import.meta.url);

// The smallest module with a v128 (a function returning v128.const 0): validates only where
// the engine has fixed-width SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 11,
]);

export function wasmSimdSupported(): boolean {
  return webAssemblyApi()?.validate(SIMD_PROBE) === true;
}

let loaded: WasmKernels | null = null;
let unavailable: string | null = null;
let tried = false;

/**
 * Instantiates the kernels from the module's bytes or a compiled WebAssembly.Module. Browsers call this
 * once per Web Worker (with bytes fetched from the page's server) before any kernel runs; Node
 * needs no call (wasmKernels() reads the file itself). Synchronous, so kernels' CPU functions
 * stay synchronous; Web Workers may compile synchronously.
 */
export function initWasmKernels(source: ArrayBufferView | ArrayBuffer | object): WasmKernels {
  const api = webAssemblyApi();
  if (!api || !wasmSimdSupported()) throw new Error('this engine has no WebAssembly SIMD');
  const module = ArrayBuffer.isView(source) || source instanceof ArrayBuffer ? new api.Module(source) : source;
  const instance = new api.Instance(module, {});
  const exports = instance.exports as unknown as WasmKernelExports;
  const missing = EXPORT_NAMES.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0) throw new Error(`the WebAssembly kernels module lacks ${missing.join(', ')}: rebuild it (npm run build)`);
  loaded = { exports, arena: new WasmArena(exports.memory, exports.__heap_base.value as number) };
  unavailable = null;
  tried = true;
  return loaded;
}

interface NodeFs {
  readFileSync(path: URL): Uint8Array;
}

/** Node only: reads the module beside this file, without a static import of node:fs (browsers). */
function loadFromFile(): void {
  const processLike = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = processLike?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  if (!fs) {
    unavailable = 'not in Node, and initWasmKernels() was not called with the module';
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(WASM_MODULE_URL);
  } catch {
    unavailable = `${WASM_MODULE_URL.pathname} is missing: build it with npm run build (needs clang and lld: bash scripts/install-wasm-toolchain.sh)`;
    return;
  }
  initWasmKernels(bytes);
}

/** This thread's kernels instance, loaded on first use; null where unavailable (see why()). */
export function wasmKernels(): WasmKernels | null {
  if (!tried) {
    tried = true;
    if (!wasmSimdSupported()) unavailable = 'this engine has no WebAssembly SIMD';
    else {
      try {
        loadFromFile();
      } catch (error) {
        unavailable = `the WebAssembly kernels did not load: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  }
  return loaded;
}

/** Why wasmKernels() gives null (null when it does not). */
export function wasmUnavailableReason(): string | null {
  wasmKernels();
  return unavailable;
}
