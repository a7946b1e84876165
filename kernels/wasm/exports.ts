/** The parts of the WebAssembly API used here (tsconfig's lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  Module: new (bytes: ArrayBufferView | ArrayBuffer) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}

/** The engine's WebAssembly, or undefined where there is none. */
export function webAssemblyApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/**
 * The functions kernels/wasm/c exports, as TypeScript sees them. Pointers are byte offsets into
 * the module's memory; dtype codes are DTYPE_CODE's. The C sources document each one.
 */
export interface WasmKernelExports {
  readonly memory: WasmMemory;
  readonly __heap_base: { readonly value: unknown };
  count_u8(base: number, rows: number, n: number, stride: number, lanes: number, counts: number): void;
  count_u8_tiles(base: number, rows: number, n: number, stride: number, tiles: number, counts: number): void;
  slots_u16(base: number, rows: number, n: number, stride: number, step: number, table: number, slots: number, slotCount: number): void;
  stats_u16(base: number, rows: number, n: number, stride: number, step: number, acc: number): void;
  stats_slots_u16_tiles(
    base: number,
    rows: number,
    n: number,
    stride: number,
    tiles: number,
    table: number,
    records: number,
    recordBytes: number,
    slotCount: number,
    lanes: number,
  ): void;
  stats_f32(
    base: number,
    rows: number,
    n: number,
    stride: number,
    step: number,
    moments: number,
    shift: number,
    bins: number,
    lo: number,
    hi: number,
    loHalf: number,
    scale: number,
    sums: number,
    minmax: number,
    counts: number,
    slots: number,
  ): void;
  downsample_row(
    input: number,
    dtype: number,
    stride: number,
    rows: number,
    pixels: number,
    channels: number,
    factor: number,
    reduce: number,
    outDtype: number,
    out: number,
  ): void;
  widen_row(src: number, dtype: number, n: number, dst: number): void;
  convolve_rows(
    band: number,
    bandStride: number,
    outRows: number,
    elems: number,
    offsets: number,
    weights: number,
    taps: number,
    outDtype: number,
    out: number,
    outStride: number,
    sums: number,
  ): void;
}

export const EXPORT_NAMES = ['count_u8', 'count_u8_tiles', 'slots_u16', 'stats_u16', 'stats_slots_u16_tiles', 'stats_f32', 'downsample_row', 'widen_row', 'convolve_rows'] as const;
