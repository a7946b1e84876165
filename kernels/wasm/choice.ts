import { wasmKernels, wasmUnavailableReason, type WasmKernels } from './module.js';

/**
 * Which implementation kernels' CPU functions run: `js` the plain TypeScript reference, `wasm`
 * the WebAssembly SIMD kernels (an error where they cannot load), `auto` (the default) WASM where
 * it loads, else the reference. Node reads TILERUN_CPU_IMPL (worker threads inherit it from the
 * process that starts the pool); a browser page or a test may set it with setCpuImpl().
 */
export const CPU_IMPLS = ['js', 'wasm', 'auto'] as const;
export type CpuImpl = (typeof CPU_IMPLS)[number];

let override: CpuImpl | null = null;

export function setCpuImpl(impl: CpuImpl | null): void {
  override = impl;
}

export function cpuImpl(): CpuImpl {
  if (override) return override;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.TILERUN_CPU_IMPL ?? 'auto';
  if (!(CPU_IMPLS as readonly string[]).includes(raw)) {
    throw new Error(`TILERUN_CPU_IMPL must be one of ${CPU_IMPLS.join(', ')}, got '${raw}'`);
  }
  return raw as CpuImpl;
}

/** The WASM kernels this call should use, or null for the reference. */
export function chosenWasm(): WasmKernels | null {
  const impl = cpuImpl();
  if (impl === 'js') return null;
  const kernels = wasmKernels();
  if (kernels === null && impl === 'wasm') {
    throw new Error(`TILERUN_CPU_IMPL=wasm, but the WebAssembly kernels are unavailable: ${wasmUnavailableReason()}`);
  }
  return kernels;
}

/**
 * A kernel's CPU function: the WASM implementation where chosen (it may decline a case it does
 * not cover by returning null), the TypeScript reference otherwise.
 */
export function withWasm<A extends unknown[], R>(
  wasm: (kernels: WasmKernels, ...args: A) => R | null,
  reference: (...args: A) => R,
): (...args: A) => R {
  return (...args: A): R => {
    const kernels = chosenWasm();
    if (kernels !== null) {
      kernels.arena.reset();
      const result = wasm(kernels, ...args);
      if (result !== null) return result;
    }
    return reference(...args);
  };
}

/**
 * Which kernels a CPU pool started now runs, for its description: `tilerun devices` shows it,
 * and performance models are keyed by it, so WASM and TypeScript pools learn apart.
 */
export function cpuKernelsLabel(): string {
  const impl = cpuImpl();
  if (impl === 'js') return 'TypeScript kernels';
  if (wasmKernels() !== null) return 'WebAssembly SIMD kernels';
  return `TypeScript kernels (WebAssembly unavailable: ${wasmUnavailableReason()})`;
}
