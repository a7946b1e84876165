import { open, type FileHandle } from 'node:fs/promises';
import type { DType } from '../array/dtype.js';
import { DTYPE_INFO } from '../array/dtype.js';
import { validateShape } from '../array/array-view.js';
import { InputError } from '../errors.js';
import { rowBytesOf, swapBytes, type RowSource } from './row-source.js';

export interface RawLayout {
  dtype: DType;
  height: number;
  width: number;
  channels: number;
  /** Bytes before element (0, 0, 0): a header to skip. */
  offset: number;
  bigEndian: boolean;
}

/**
 * Rows of a file that holds its elements uncompressed in C order after `offset` header bytes:
 * raw files, .npy data and uncompressed DICOM pixel data. Each read opens the file, reads the
 * band with positioned reads and closes it, so no descriptor outlives a band and nothing needs closing.
 */
export class RawFileSource implements RowSource {
  readonly dtype: DType;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  private readonly rowBytes: number;

  constructor(
    readonly path: string,
    private readonly layout: RawLayout,
  ) {
    validateShape(layout.height, layout.width, layout.channels);
    this.dtype = layout.dtype;
    this.height = layout.height;
    this.width = layout.width;
    this.channels = layout.channels;
    this.rowBytes = rowBytesOf(layout);
  }

  async readRows(y0: number, y1: number, target: Uint8Array): Promise<void> {
    const length = (y1 - y0) * this.rowBytes;
    if (y0 < 0 || y1 > this.height || y1 < y0 || target.length !== length) {
      throw new RangeError(`rows ${y0}..${y1} of ${this.height} into ${target.length} bytes`);
    }
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      throw new InputError(this.path, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      let done = 0;
      // read() returns at most 2 GiB at a time (and may return less): loop until the band is full.
      while (done < length) {
        const { bytesRead } = await handle.read(target, done, Math.min(length - done, 1 << 30), this.layout.offset + y0 * this.rowBytes + done);
        if (bytesRead === 0) throw new InputError(this.path, `file ended at byte ${this.layout.offset + y0 * this.rowBytes + done} while reading rows ${y0}..${y1 - 1}: was it truncated while running?`);
        done += bytesRead;
      }
    } finally {
      await handle.close();
    }
    if (this.layout.bigEndian) swapBytes(target, DTYPE_INFO[this.dtype].bytesPerElement);
  }
}

/** Checks that a file holds the bytes its layout needs, with a message that says both sizes. */
export function checkRawSize(path: string, fileSize: number, layout: RawLayout, what: string, exact = false): void {
  const needed = layout.offset + layout.height * rowBytesOf(layout);
  // A raw file's size must match exactly: a mismatch almost always means a wrong --shape or --dtype.
  if (fileSize < needed || (exact && fileSize !== needed)) {
    throw new InputError(
      path,
      `${what} ${layout.height}x${layout.width}x${layout.channels} ${layout.dtype} needs ${needed} bytes${layout.offset > 0 ? ` (${layout.offset} header + ${needed - layout.offset} data)` : ''}, the file has ${fileSize}`,
    );
  }
}
