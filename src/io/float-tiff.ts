import { byteLength, elementsOf, type ArrayView } from '../array/array-view.js';
import { UsageError } from '../errors.js';

/** Classic TIFF addresses bytes with 32-bit offsets. */
export const MAX_CLASSIC_TIFF_BYTES = 2 ** 32 - 4096;

/**
 * A baseline little-endian TIFF of 32-bit float samples, uncompressed, one strip, 1 to 4
 * channels (gray, gray+alpha, RGB, RGBA). libvips (sharp) converts float images through a colour
 * space on the way out and loses the values, so tilerun writes f32 TIFF itself.
 */
export function encodeFloatTiff(view: ArrayView): Uint8Array {
  if (view.dtype !== 'f32') throw new Error(`encodeFloatTiff takes f32 arrays, got ${view.dtype}`);
  const dataBytes = byteLength(view);
  const SHORT = 3;
  const LONG = 4;
  const channels = view.channels;
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const hasAlpha = channels === 2 || channels === 4;
  const entryCount = hasAlpha ? 12 : 11;
  const ifdOffset = 8;
  const ifdBytes = 2 + entryCount * 12 + 4;
  const arraysOffset = ifdOffset + ifdBytes; // BitsPerSample, then SampleFormat, when channels > 1
  const dataOffset = arraysOffset + 16;
  if (dataOffset + dataBytes > MAX_CLASSIC_TIFF_BYTES) {
    throw new UsageError(`an f32 TIFF of ${dataBytes} bytes exceeds the 4 GiB a classic TIFF holds: write .npy instead`);
  }
  const perChannel = (value: number, at: number): number => (channels === 1 ? value : at);
  entries.push([256, LONG, 1, view.width]);
  entries.push([257, LONG, 1, view.height]);
  entries.push([258, SHORT, channels, perChannel(32, arraysOffset)]);
  entries.push([259, SHORT, 1, 1]); // no compression
  entries.push([262, SHORT, 1, channels <= 2 ? 1 : 2]); // min-is-black or RGB
  entries.push([273, LONG, 1, dataOffset]);
  entries.push([277, SHORT, 1, channels]);
  entries.push([278, LONG, 1, view.height]);
  entries.push([279, LONG, 1, dataBytes]);
  entries.push([284, SHORT, 1, 1]); // samples interleaved
  if (hasAlpha) entries.push([338, SHORT, 1, 2]); // the last channel is unassociated alpha
  entries.push([339, SHORT, channels, perChannel(3, arraysOffset + 8)]); // IEEE float
  const out = new Uint8Array(dataOffset + dataBytes);
  const data = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  data.setUint32(4, ifdOffset, true);
  data.setUint16(ifdOffset, entryCount, true);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    data.setUint16(at, tag, true);
    data.setUint16(at + 2, type, true);
    data.setUint32(at + 4, count, true);
    if (type === SHORT && count === 1) data.setUint16(at + 8, value, true);
    else data.setUint32(at + 8, value, true);
  });
  data.setUint32(ifdOffset + 2 + entryCount * 12, 0, true);
  for (let c = 0; c < 4; c++) {
    data.setUint16(arraysOffset + c * 2, 32, true);
    data.setUint16(arraysOffset + 8 + c * 2, 3, true);
  }
  // Float32Array stores in the machine's byte order; TIFF says little-endian ("II").
  const samples = elementsOf(view);
  for (let i = 0; i < samples.length; i++) data.setFloat32(dataOffset + i * 4, samples[i]!, true);
  return out;
}
