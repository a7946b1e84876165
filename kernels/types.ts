import type { GPU, IKernelRunShortcut } from 'gpu.js';
import type { ArrayView } from '../src/array/array-view.js';
import type { DType } from '../src/array/dtype.js';
import type { Tile } from '../src/tiling/tile.js';
import type { BoundaryMode } from './boundary.js';
import type { ParamSpec } from './params.js';

/**
 * The rows of the array a GPU batch uploads: whole rows y0 .. y1-1. For a contiguous band
 * (kernels without a halo) the upload starts at a 4-byte aligned byte offset and `headElements`
 * elements before row y0 are included to reach that alignment. For a gathered band (kernels with
 * a halo) row r of the upload is array row `rowOf(y0 + r)` under the kernel's boundary mode and
 * `headElements` is 0; rows outside the array are given by the boundary mode, so `y0` may be
 * negative and `y1` past the array's height.
 */
export interface Band {
  readonly y0: number;
  readonly y1: number;
  readonly byteStart: number;
  readonly byteEnd: number;
  readonly headElements: number;
}

/** What a reduction gives the WebGPU backend: one workgroup per (tile, channel), one record each. */
export interface WebGpuReductionParts<Params, Partial> {
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
 * What a map kernel gives the WebGPU backend. The shader sees the same four bindings as a
 * reduction's, but binding 1 holds 8 words per tile (band-relative core row, column, height,
 * width, output offset in words, output height, output width, 0) and binding 2 is
 * `array<u32>`: each tile writes its output block (output rows x output columns x channels,
 * row-major, channels interleaved) at its offset, as f32 bits, or, with `packedOutput`, already
 * in the output dtype packed into words (u8 four and u16 two to a word). Workgroups are
 * dispatched as (ceil(largest block in words / workgroup size) capped at 65535, tiles); a shader
 * loops over its block with a stride of num_workgroups.x x workgroup size. Every conversion to
 * an integer dtype follows convert.ts, the rule every backend uses.
 */
export interface WebGpuMapParts<Params> {
  /**
   * The shader converts and packs its output itself: the map prelude does, given the
   * pipeline-overridable constant OUT_DTYPE (0 u8, 1 u16, 2 f32) that the device sets.
   */
  readonly packedOutput?: boolean;
  shaderKey(view: ArrayView, params: Params): string;
  shaderSource(view: ArrayView, params: Params, workgroupSize: number): string;
  uniforms(view: ArrayView, params: Params, band: Band, tileCount: number): ArrayBuffer;
}

/** What a gpu.js device lends a kernel: its GPU instance and a cache of built kernels. */
export interface GpuJsContext {
  readonly gpu: GPU;
  /** The kernel class that actually runs (WebGL2Kernel, HeadlessGLKernel, WebAssemblyKernel, CPUKernel). */
  readonly backend: string;
  /** Builds a gpu.js kernel once per key and reuses it. */
  kernel(key: string, build: (gpu: GPU) => IKernelRunShortcut): IKernelRunShortcut;
}

export interface GpuJsReductionParts<Params, Partial> {
  /** Runs one batch of tiles, returning one partial per tile in order. */
  run(context: GpuJsContext, view: ArrayView, tiles: readonly Tile[], params: Params): Partial[];
}

export interface GpuJsMapParts<Params> {
  /** Runs one batch of tiles, writing each tile's output region into `out`. */
  run(context: GpuJsContext, view: ArrayView, tiles: readonly Tile[], params: Params, out: ArrayView): void;
}

/** Runs a reduction over the whole array (on the run's devices) and returns its stitched result. */
export type ReduceWith = <P, R>(kernel: ReductionKernel<P, R>, params: P) => Promise<R>;

interface KernelBase<Params> {
  readonly name: string;
  /** One line for `tilerun kernels`. */
  readonly description: string;
  /** The parameters a user may give (`-p name=value`), with their defaults. */
  readonly params: readonly ParamSpec[];
  /** How results of each backend compare with the CPU reference (shown by `tilerun kernels`). */
  readonly tolerance: string;
  /** Halo depth the kernel reads around each tile's core. */
  halo(view: ArrayView, params: Params): number;
  /** How rows and columns outside the array are filled for a kernel with a halo. */
  boundary?(params: Params): BoundaryMode;
  /** Cross-checks parameters against the array; throws UsageError naming what is accepted. */
  validateParams(view: ArrayView, params: Params): void;
  /**
   * Turns user parameters into the parameters every tile runs with; may first run a reduction over
   * the whole array (a histogram's value range, a normalisation's min and max).
   */
  prepare?(view: ArrayView, params: Params, reduce: ReduceWith): Promise<Params>;
}

/**
 * A reduction microtask: every tile yields a partial; partials merge (associatively) into the
 * whole-array answer. A kernel never knows which device runs it or how tiles were scheduled.
 */
export interface ReductionKernel<Params, Partial> extends KernelBase<Params> {
  readonly kind: 'reduction';
  /** Rough bytes one tile's partial takes in memory, so runs whose results cannot fit are refused. */
  partialBytes(view: ArrayView, params: Params): number;
  /** The CPU implementation and the reference every other backend is checked against. */
  cpu(view: ArrayView, tiles: readonly Tile[], params: Params): Partial[];
  readonly webgpu?: WebGpuReductionParts<Params, Partial>;
  readonly gpujs?: GpuJsReductionParts<Params, Partial>;
  /** Associative merge of two partials; stitching applies it in a fixed tree over tile order. */
  merge(a: Partial, b: Partial): Partial;
  /**
   * Optional: every partial merged at once, for partials whose merge is exact (integer sums,
   * counts), so the tree's order cannot change the answer. It must return exactly what the tree
   * of `merge` would, without the tree's intermediate partials; undefined where it cannot (float
   * moments), and the tree runs instead.
   */
  mergeAll?(partials: readonly Partial[]): Partial | undefined;
}

/** The array a map kernel produces. */
export interface OutputShape {
  readonly dtype: DType;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /**
   * Input elements per output element along each axis (a downsample's factor; 1 for element-wise
   * maps and stencils). A tile's output is its core divided by this, rounded up at the array's
   * edge; tile edges are kept multiples of it so output regions never overlap.
   */
  readonly factor: number;
}

/**
 * A map microtask: every tile writes its own region of an output array (the output of its core;
 * halos are read, never written). Tiles' regions are disjoint, so the result does not depend on
 * which device wrote which tile.
 */
export interface MapKernel<Params> extends KernelBase<Params> {
  readonly kind: 'map';
  output(view: ArrayView, params: Params): OutputShape;
  /** The CPU implementation and reference: writes each tile's output region into `out`. */
  cpu(view: ArrayView, tiles: readonly Tile[], params: Params, out: ArrayView): void;
  readonly webgpu?: WebGpuMapParts<Params>;
  readonly gpujs?: GpuJsMapParts<Params>;
}

// Partials and parameters vary per kernel; the registry and the devices hold kernels behind these.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyReductionKernel = ReductionKernel<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMapKernel = MapKernel<any>;
export type AnyKernel = AnyReductionKernel | AnyMapKernel;
