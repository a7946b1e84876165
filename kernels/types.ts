import type { ArrayView } from '../src/array/array-view.js';
import type { Tile } from '../src/tiling/tile.js';

/**
 * The rows of the array a WebGPU batch uploads: whole rows y0 .. y1-1, starting at a 4-byte
 * aligned byte offset. `headElements` elements before row y0 are included to reach that alignment.
 */
export interface Band {
  readonly y0: number;
  readonly y1: number;
  readonly byteStart: number;
  readonly byteEnd: number;
  readonly headElements: number;
}

/** What a kernel gives the WebGPU backend: one workgroup per (tile, channel), one record each. */
export interface WebGpuKernelParts<Params, Partial> {
  /** Pipelines are cached by this key. */
  shaderKey(view: ArrayView, params: Params): string;
  shaderSource(view: ArrayView, params: Params, workgroupSize: number): string;
  /** Output words per (tile, channel) record. */
  recordWords(view: ArrayView, params: Params): number;
  /** The uniform block for one batch (a multiple of 16 bytes). */
  uniforms(view: ArrayView, params: Params, band: Band, tileCount: number): ArrayBuffer;
  /** Turns the records of one tile (channels x recordWords words) into its partial. */
  decode(records: Uint32Array, tile: Tile, view: ArrayView, params: Params): Partial;
}

/**
 * A reduction microtask: every tile yields a partial; partials merge (associatively) into the
 * whole-array answer. A kernel never knows which device runs it or how tiles were scheduled.
 */
export interface ReductionKernel<Params, Partial> {
  readonly name: string;
  readonly description: string;
  /** Halo depth the kernel reads around each tile's core. */
  readonly halo: number;
  /** Checks user parameters against the array; throws UsageError naming what is accepted. */
  validateParams(view: ArrayView, params: Params): void;
  /**
   * Turns user parameters into the parameters every tile runs with; may run a first pass over the
   * whole array (for example to find a histogram's value range).
   */
  prepare?(
    view: ArrayView,
    params: Params,
    runPass: (passParams: Params) => Promise<Partial>,
  ): Promise<Params>;
  /** Rough bytes one tile's partial takes in memory, so runs whose results cannot fit are refused. */
  partialBytes(view: ArrayView, params: Params): number;
  /** The CPU implementation and the reference every other backend is checked against. */
  cpu(view: ArrayView, tiles: readonly Tile[], params: Params): Partial[];
  readonly webgpu?: WebGpuKernelParts<Params, Partial>;
  /** Associative merge of two partials; stitching applies it in a fixed tree over tile order. */
  merge(a: Partial, b: Partial): Partial;
}

// Partials and parameters vary per kernel; the registry and the devices hold kernels behind this.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyReductionKernel = ReductionKernel<any, any>;
