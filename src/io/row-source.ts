import { allocateArray, byteLength, type ArrayView } from '../array/array-view.js';
import { DTYPE_INFO, type DType } from '../array/dtype.js';

/**
 * An array on disk read a band of rows at a time, so an input larger than memory is never held
 * whole: the streamed engine (src/run-streamed.ts) asks for the rows of one band (plus halo) at a
 * time. Small inputs are read whole with loadWhole and run in memory as before.
 */
export interface RowSource {
  readonly dtype: DType;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Reads rows y0..y1-1 (C order, channels interleaved, native byte order) into `target`, which holds exactly their bytes. */
  readRows(y0: number, y1: number, target: Uint8Array): Promise<void>;
}

/** One input as the engine runs it: a page of a TIFF, a DICOM file, a raw file or a .npy. */
export interface OpenedInput {
  /** The name results are reported under: the path, or path#page for one page of several. */
  readonly name: string;
  readonly path: string;
  /** Which part of the file, for multi-page TIFF and multi-frame DICOM read page by page ('page2', 'frame3'); absent for a whole file. */
  readonly part?: string;
  readonly source: RowSource;
  /** What the reader did that the user should know (rescale applied, dtype chosen, pages stacked). */
  readonly notes: readonly string[];
}

export function rowBytesOf(source: Pick<RowSource, 'dtype' | 'width' | 'channels'>): number {
  return source.width * source.channels * DTYPE_INFO[source.dtype].bytesPerElement;
}

export function sourceBytes(source: Pick<RowSource, 'dtype' | 'height' | 'width' | 'channels'>): number {
  return byteLength(source);
}

/** Reads rows y0..y1-1 into a fresh shared array of their own. */
export async function readBand(source: RowSource, y0: number, y1: number): Promise<ArrayView> {
  if (source instanceof MemorySource && y0 === 0 && y1 === source.height) return source.view;
  const view = allocateArray(source.dtype, y1 - y0, source.width, source.channels);
  await source.readRows(y0, y1, new Uint8Array(view.buffer, view.byteOffset, byteLength(view)));
  return view;
}

/** The whole array in memory (for inputs small enough to hold). */
export function loadWhole(source: RowSource): Promise<ArrayView> {
  return readBand(source, 0, source.height);
}

/**
 * The array's shape and dtype as an ArrayView with no elements: what kernels' validateParams,
 * output and prepare look at (they read no data; a first pass reads through the reduce they are given).
 */
export function shapeOnlyView(source: Pick<RowSource, 'dtype' | 'height' | 'width' | 'channels'>): ArrayView {
  return { dtype: source.dtype, height: source.height, width: source.width, channels: source.channels, buffer: new SharedArrayBuffer(0), byteOffset: 0 };
}

/** Reverses the bytes of each `width`-byte element in place (big-endian files). */
export function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** An array already in memory as a row source (PNG and JPEG, which libvips decodes whole). */
export class MemorySource implements RowSource {
  readonly dtype: DType;
  readonly height: number;
  readonly width: number;
  readonly channels: number;

  constructor(readonly view: ArrayView) {
    this.dtype = view.dtype;
    this.height = view.height;
    this.width = view.width;
    this.channels = view.channels;
  }

  readRows(y0: number, y1: number, target: Uint8Array): Promise<void> {
    const rowBytes = rowBytesOf(this);
    target.set(new Uint8Array(this.view.buffer, this.view.byteOffset + y0 * rowBytes, (y1 - y0) * rowBytes));
    return Promise.resolve();
  }
}
