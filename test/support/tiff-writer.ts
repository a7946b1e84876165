import { writeFileSync } from 'node:fs';
import type { DType } from '../../src/array/dtype.js';

/** One page for writeTestTiff: samples in C order, channels interleaved. */
export interface TiffPage {
  dtype: DType;
  height: number;
  width: number;
  channels: number;
  samples: ArrayLike<number>;
}

export interface TiffLayout {
  bigTiff: boolean;
  /** Tile edge (tiled), or absent for strips of `rowsPerStrip` rows. */
  tile?: { width: number; height: number };
  rowsPerStrip?: number;
}

const BYTES: Record<DType, number> = { u8: 1, u16: 2, f32: 4 };

/**
 * A small uncompressed TIFF or BigTIFF writer, tiled or striped, one IFD per page: fixtures for
 * the TIFF reader in the layouts big microscopy and satellite files use (neither sharp nor libvips
 * writes multi-page BigTIFF from raw arrays).
 */
export function writeTestTiff(path: string, pages: readonly TiffPage[], layout: TiffLayout): void {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const append = (bytes: Uint8Array): number => {
    const at = size;
    chunks.push(bytes);
    size += bytes.length;
    return at;
  };
  const align = () => {
    if (size % 8 !== 0) append(new Uint8Array(8 - (size % 8)));
  };
  const big = layout.bigTiff;
  const header = new DataView(new ArrayBuffer(big ? 16 : 8));
  header.setUint8(0, 0x49);
  header.setUint8(1, 0x49);
  header.setUint16(2, big ? 43 : 42, true);
  if (big) header.setUint16(4, 8, true);
  append(new Uint8Array(header.buffer));
  // Where the previous IFD's "next IFD" pointer sits (the header's first-IFD pointer at first).
  const pointers: { at: number; page: number }[] = [{ at: big ? 8 : 4, page: 0 }];
  const ifdOffsets: number[] = [];
  pages.forEach((page, index) => {
    const bpe = BYTES[page.dtype];
    const pixelBytes = (values: ArrayLike<number>, from: number, count: number, into: DataView, at: number) => {
      for (let i = 0; i < count; i++) {
        const v = values[from + i]!;
        if (page.dtype === 'u8') into.setUint8(at + i, v);
        else if (page.dtype === 'u16') into.setUint16(at + i * 2, v, true);
        else into.setFloat32(at + i * 4, v, true);
      }
    };
    const rowBytes = page.width * page.channels * bpe;
    const offsets: number[] = [];
    const counts: number[] = [];
    if (layout.tile) {
      const { width: tw, height: th } = layout.tile;
      for (let ty = 0; ty < page.height; ty += th) {
        for (let tx = 0; tx < page.width; tx += tw) {
          // Edge tiles are full size, padded with zeros, as the TIFF spec asks.
          const block = new DataView(new ArrayBuffer(tw * th * page.channels * bpe));
          for (let y = ty; y < Math.min(page.height, ty + th); y++) {
            const columns = Math.min(tw, page.width - tx);
            pixelBytes(page.samples, (y * page.width + tx) * page.channels, columns * page.channels, block, (y - ty) * tw * page.channels * bpe);
          }
          offsets.push(append(new Uint8Array(block.buffer)));
          counts.push(block.byteLength);
        }
      }
    } else {
      const rows = layout.rowsPerStrip ?? page.height;
      for (let y = 0; y < page.height; y += rows) {
        const n = Math.min(rows, page.height - y);
        const block = new DataView(new ArrayBuffer(n * rowBytes));
        pixelBytes(page.samples, y * page.width * page.channels, n * page.width * page.channels, block, 0);
        offsets.push(append(new Uint8Array(block.buffer)));
        counts.push(block.byteLength);
      }
    }
    const extra = page.channels === 2 || page.channels === 4 ? 1 : 0;
    const entries: [number, number, number[]][] = [
      [256, 4, [page.width]],
      [257, 4, [page.height]],
      [258, 3, new Array<number>(page.channels).fill(bpe * 8)],
      [259, 3, [1]],
      [262, 3, [page.channels >= 3 ? 2 : 1]],
      ...(layout.tile ? [] : ([[273, big ? 16 : 4, offsets]] as [number, number, number[]][])),
      [277, 3, [page.channels]],
      ...(layout.tile ? [] : ([[278, 4, [layout.rowsPerStrip ?? page.height]], [279, big ? 16 : 4, counts]] as [number, number, number[]][])),
      [284, 3, [1]],
      ...(layout.tile
        ? ([[322, 3, [layout.tile.width]], [323, 3, [layout.tile.height]], [324, big ? 16 : 4, offsets], [325, big ? 16 : 4, counts]] as [number, number, number[]][])
        : []),
      ...(extra ? ([[338, 3, [2]]] as [number, number, number[]][]) : []),
      [339, 3, new Array<number>(page.channels).fill(page.dtype === 'f32' ? 3 : 1)],
    ];
    const typeBytes = (type: number) => (type === 3 ? 2 : type === 4 ? 4 : 8);
    const inline = big ? 8 : 4;
    // Values that do not fit in an entry go before the IFD.
    const valueOffsets = entries.map(([, type, values]) => {
      const bytes = typeBytes(type) * values.length;
      if (bytes <= inline) return -1;
      align();
      const block = new DataView(new ArrayBuffer(bytes));
      values.forEach((v, i) => writeValue(block, i * typeBytes(type), type, v));
      return append(new Uint8Array(block.buffer));
    });
    align();
    const entrySize = big ? 20 : 12;
    const ifd = new DataView(new ArrayBuffer((big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4)));
    if (big) ifd.setBigUint64(0, BigInt(entries.length), true);
    else ifd.setUint16(0, entries.length, true);
    entries.forEach(([tag, type, values], i) => {
      const at = (big ? 8 : 2) + i * entrySize;
      ifd.setUint16(at, tag, true);
      ifd.setUint16(at + 2, type, true);
      if (big) ifd.setBigUint64(at + 4, BigInt(values.length), true);
      else ifd.setUint32(at + 4, values.length, true);
      const valueAt = at + (big ? 12 : 8);
      if (valueOffsets[i]! >= 0) writeValue(ifd, valueAt, big ? 16 : 4, valueOffsets[i]!);
      else values.forEach((v, j) => writeValue(ifd, valueAt + j * typeBytes(type), type, v));
    });
    const ifdAt = append(new Uint8Array(ifd.buffer));
    ifdOffsets.push(ifdAt);
    pointers.push({ at: ifdAt + ifd.byteLength - (big ? 8 : 4), page: index + 1 });
  });
  const file = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    file.set(chunk, at);
    at += chunk.length;
  }
  const view = new DataView(file.buffer);
  // Each pointer names the next page's IFD; the last stays 0.
  pointers.forEach(({ at: pointer, page }) => {
    if (page < ifdOffsets.length) writeValue(view, pointer, big ? 16 : 4, ifdOffsets[page]!);
  });
  writeFileSync(path, file);
}

function writeValue(view: DataView, at: number, type: number, value: number): void {
  if (type === 3) view.setUint16(at, value, true);
  else if (type === 4) view.setUint32(at, value, true);
  else view.setBigUint64(at, BigInt(value), true);
}
