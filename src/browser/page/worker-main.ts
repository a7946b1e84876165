/**
 * A Web Worker of the page's CPU pool: runs kernels' CPU implementations (the WebAssembly SIMD
 * ones where the module was handed over, else the TypeScript reference), exactly the code a Node
 * worker thread runs (src/devices/cpu-worker.ts), on tile descriptors into shared memory.
 */
import { getKernel } from '../../../kernels/index.js';
import { initWasmKernels } from '../../../kernels/wasm/module.js';
import type { ArrayView } from '../../array/array-view.js';
import type { Tile } from '../../tiling/tile.js';

export type WorkerRequest =
  | { type: 'init'; wasm: object | null }
  | { type: 'run'; kernel: string; view: ArrayView; tiles: Tile[]; params: unknown; out: ArrayView | null };

export type WorkerReply = { type: 'ready'; wasm: string } | { type: 'done'; results: unknown[]; computeSeconds: number } | { type: 'error'; message: string };

const scope = globalThis as unknown as { onmessage: ((event: { data: WorkerRequest }) => void) | null; postMessage(message: WorkerReply): void };

scope.onmessage = (event) => {
  const request = event.data;
  try {
    if (request.type === 'init') {
      let wasm = 'TypeScript kernels (no WebAssembly module)';
      if (request.wasm) {
        try {
          initWasmKernels(request.wasm);
          wasm = 'WebAssembly SIMD kernels';
        } catch (error) {
          wasm = `TypeScript kernels (WebAssembly unavailable: ${error instanceof Error ? error.message : String(error)})`;
        }
      }
      scope.postMessage({ type: 'ready', wasm });
      return;
    }
    const kernel = getKernel(request.kernel);
    const start = performance.now();
    let results: unknown[];
    if (kernel.kind === 'reduction') results = kernel.cpu(request.view, request.tiles, request.params);
    else {
      if (!request.out) throw new Error(`map kernel ${kernel.name} was sent without an output array`);
      kernel.cpu(request.view, request.tiles, request.params, request.out);
      results = request.tiles.map(() => null);
    }
    scope.postMessage({ type: 'done', results, computeSeconds: (performance.now() - start) / 1000 });
  } catch (error) {
    scope.postMessage({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
};
