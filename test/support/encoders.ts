/**
 * Tiny, independent encoders for test fixtures: uncompressed TIFF and PNG written byte by byte
 * from the specifications, so the readers are tested on files that sharp did not produce.
 */
import { crc32, deflateSync } from 'node:zlib';

/** Baseline TIFF, one strip, little-endian. 1 channel = gray, 3 = RGB; 8/16-bit uint or 32-bit float. */
export function encodeTiff(
  width: number,
  height: number,
  channels: 1 | 3,
  bitsPerSample: 8 | 16 | 32,
  samples: ArrayLike<number>,
): Uint8Array {
  const bytesPerSample = bitsPerSample / 8;
  const dataBytes = width * height * channels * bytesPerSample;
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const entryCount = 11;
  const ifdOffset = 8;
  const ifdBytes = 2 + entryCount * 12 + 4;
  const bitsOffset = ifdOffset + ifdBytes; // BitsPerSample array for RGB
  const dataOffset = bitsOffset + 8;
  const SHORT = 3;
  const LONG = 4;
  entries.push([256, LONG, 1, width]);
  entries.push([257, LONG, 1, height]);
  entries.push([258, SHORT, channels, channels === 1 ? bitsPerSample : bitsOffset]);
  entries.push([259, SHORT, 1, 1]); // no compression
  entries.push([262, SHORT, 1, channels === 1 ? 1 : 2]); // min-is-black or RGB
  entries.push([273, LONG, 1, dataOffset]);
  entries.push([277, SHORT, 1, channels]);
  entries.push([278, LONG, 1, height]);
  entries.push([279, LONG, 1, dataBytes]);
  entries.push([284, SHORT, 1, 1]); // chunky
  entries.push([339, SHORT, 1, bitsPerSample === 32 ? 3 : 1]); // float or uint
  const out = new Uint8Array(dataOffset + dataBytes);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, entryCount, true);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    if (type === SHORT && count === 1) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, value, true);
  });
  view.setUint32(ifdOffset + 2 + entryCount * 12, 0, true);
  for (let c = 0; c < 3; c++) view.setUint16(bitsOffset + c * 2, bitsPerSample, true);
  for (let i = 0; i < samples.length; i++) {
    const at = dataOffset + i * bytesPerSample;
    if (bitsPerSample === 8) view.setUint8(at, samples[i]!);
    else if (bitsPerSample === 16) view.setUint16(at, samples[i]!, true);
    else view.setFloat32(at, samples[i]!, true);
  }
  return out;
}

/** PNG, gray (1), gray+alpha (2), RGB (3) or RGBA (4), 8 or 16 bits per sample. */
export function encodePng(width: number, height: number, channels: 1 | 2 | 3 | 4, bitDepth: 8 | 16, samples: ArrayLike<number>): Uint8Array {
  const colourType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = new Uint8Array(height * (rowBytes + 1));
  const rawView = new DataView(raw.buffer);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const at = y * (rowBytes + 1) + 1 + i * bytesPerSample;
      const value = samples[y * width * channels + i]!;
      if (bitDepth === 8) rawView.setUint8(at, value);
      else rawView.setUint16(at, value, false);
    }
  }
  const header = new Uint8Array(13);
  const headerView = new DataView(header.buffer);
  headerView.setUint32(0, width);
  headerView.setUint32(4, height);
  header.set([bitDepth, colourType, 0, 0, 0], 8);
  const chunks = [chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const out = new Uint8Array(8 + chunks.reduce((sum, c) => sum + c.length, 0));
  out.set(signature);
  let offset = 8;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const typeAndData = new Uint8Array(4 + data.length);
  typeAndData.set(new TextEncoder().encode(type));
  typeAndData.set(data, 4);
  out.set(typeAndData, 4);
  view.setUint32(8 + data.length, crc32(typeAndData));
  return out;
}
