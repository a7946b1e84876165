import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import { encodeNpy } from '../../src/io/npy.js';
import { encodePng, encodeTiff } from './encoders.js';

export function temporaryDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'tilerun-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A .npy header for any descr and shape, with optional raw data, for malformed-file tests. */
export function npyBytes(descr: string, shape: string, data: Uint8Array = new Uint8Array(0), fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

export function writeNpy(path: string, view: ArrayView): void {
  writeFileSync(path, encodeNpy(view));
}

/** Writes a PNG from known samples (see encoders.ts) and returns them. */
export function writePng(path: string, height: number, width: number, channels: 1 | 2 | 3 | 4, bitDepth: 8 | 16): number[] {
  const max = bitDepth === 8 ? 256 : 65536;
  const data = Array.from({ length: height * width * channels }, (_, i) => (i * 2741 + 13) % max);
  writeFileSync(path, encodePng(width, height, channels, bitDepth, data));
  return data;
}

/** Writes an uncompressed TIFF from known samples and returns them. */
export function writeTiff(path: string, height: number, width: number, channels: 1 | 3, bits: 8 | 16 | 32): number[] {
  const data = Array.from({ length: height * width * channels }, (_, i) =>
    bits === 32 ? Math.fround((i - 20) * 0.37) : (i * 2741 + 7) % 2 ** bits,
  );
  writeFileSync(path, encodeTiff(width, height, channels, bits, data));
  return data;
}

/** A JPEG (lossy: only shape and dtype are checked). */
export async function writeJpeg(path: string, height: number, width: number): Promise<void> {
  const data = Buffer.from(Array.from({ length: height * width * 3 }, (_, i) => (i * 7) % 256));
  await sharp(data, { raw: { width, height, channels: 3 } }).jpeg().toFile(path);
}

export function f32Array(height: number, width: number, values: (i: number) => number): ArrayView {
  return arrayFromElements('f32', height, width, 1, Array.from({ length: height * width }, (_, i) => values(i)));
}
