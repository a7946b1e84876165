import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { byteLength, type ArrayView } from '../array/array-view.js';
import { npyHeader } from './npy.js';
import type { OutputShape } from '../../kernels/types.js';

/**
 * Writes a .npy band by band, for outputs too large to hold: the header first, then each band's
 * rows at their place, into a temporary file that is renamed over the target only when every row
 * is written (commit); abort removes it. Readers never see a half-written output.
 */
export class StreamedNpyWriter {
  private constructor(
    private readonly path: string,
    private readonly temporary: string,
    private readonly handle: FileHandle,
    private readonly dataStart: number,
    private readonly rowBytes: number,
  ) {}

  static async create(path: string, shape: OutputShape): Promise<StreamedNpyWriter> {
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, 'wx');
    try {
      const header = npyHeader(shape);
      await handle.write(header, 0, header.length, 0);
      const rowBytes = byteLength({ ...shape, height: 1 });
      return new StreamedNpyWriter(path, temporary, handle, header.length, rowBytes);
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Writes `rows` rows of `band` starting at its row `from`, as output rows y0.. */
  async writeRows(y0: number, band: ArrayView, from: number, rows: number): Promise<void> {
    const bytes = new Uint8Array(band.buffer, band.byteOffset + from * this.rowBytes, rows * this.rowBytes);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, Math.min(bytes.length - done, 1 << 30), this.dataStart + y0 * this.rowBytes + done);
      done += bytesWritten;
    }
  }

  async commit(): Promise<void> {
    await this.handle.close();
    await rename(this.temporary, this.path);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.temporary, { force: true });
  }
}
