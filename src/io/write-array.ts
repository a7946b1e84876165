import { extname } from 'node:path';
import { byteLength, elementsOf, type ArrayView } from '../array/array-view.js';
import type { DType } from '../array/dtype.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeFloatTiff, MAX_CLASSIC_TIFF_BYTES } from './float-tiff.js';
import { loadSharp } from './image.js';
import { encodeNpy } from './npy.js';

/** Output formats for arrays, and the dtypes each holds. */
export const ARRAY_FORMATS: Record<string, readonly DType[]> = {
  '.npy': ['u8', 'u16', 'f32'],
  '.png': ['u8', 'u16'],
  '.tif': ['u8', 'u16', 'f32'],
  '.tiff': ['u8', 'u16', 'f32'],
};

export const ARRAY_EXTENSIONS = Object.keys(ARRAY_FORMATS);

/**
 * Checks that an array of this dtype can be written in the format the path names, before any
 * work starts; the message says which formats would hold it.
 */
export function checkArrayFormat(path: string, dtype: DType, channels = 1, bytes = 0): void {
  const extension = extname(path).toLowerCase();
  const dtypes = ARRAY_FORMATS[extension];
  if (!dtypes) throw new UsageError(`${path}: unsupported output format '${extension || '(none)'}': accepted are ${ARRAY_EXTENSIONS.join(', ')}`);
  if (!dtypes.includes(dtype)) {
    const holding = ARRAY_EXTENSIONS.filter((ext) => ARRAY_FORMATS[ext]!.includes(dtype));
    throw new UsageError(
      `${path}: ${extension.slice(1).toUpperCase()} holds ${dtypes.join(' or ')} samples but this output is ${dtype}: write ${holding.join(', ')} instead, or choose the output dtype with -p dtype=...`,
    );
  }
  if (dtype === 'f32' && extension !== '.npy' && bytes > MAX_CLASSIC_TIFF_BYTES) {
    throw new UsageError(`${path}: an f32 TIFF of ${bytes} bytes exceeds the 4 GiB a classic TIFF holds: write .npy instead`);
  }
  // libvips (so tilerun itself) cannot read gray+alpha float TIFF back: don't write what can't be read.
  if (dtype === 'f32' && channels === 2 && extension !== '.npy') {
    throw new UsageError(`${path}: a 2-channel f32 image cannot be written as TIFF (libvips cannot read it back): write .npy instead`);
  }
}

/** Encodes an array in the format its path names. */
export async function encodeArray(path: string, view: ArrayView): Promise<Uint8Array> {
  checkArrayFormat(path, view.dtype, view.channels, byteLength(view));
  const extension = extname(path).toLowerCase();
  if (extension === '.npy') return encodeNpy(view);
  if (view.dtype === 'f32') return encodeFloatTiff(view);
  // sharp takes the sample type from the typed array's class (and wants an unshared copy).
  const samples = elementsOf(view).slice();
  const gray = view.channels <= 2;
  // Name the colour space, or libvips writes 8-bit sRGB whatever the samples were.
  const colourspace = view.dtype === 'u16' ? (gray ? 'grey16' : 'rgb16') : gray ? 'b-w' : 'srgb';
  const sharp = await loadSharp();
  const image = sharp(samples, {
    raw: { width: view.width, height: view.height, channels: view.channels as 1 | 2 | 3 | 4 },
    limitInputPixels: false,
  })
    .pipelineColourspace(colourspace)
    .toColourspace(colourspace);
  if (extension === '.png') return image.png({ compressionLevel: 6 }).toBuffer();
  return image.tiff({ compression: 'lzw', predictor: 'none', bigtiff: byteLength(view) > 2 ** 31 }).toBuffer();
}

/** Writes an array atomically: readers see the old file or the whole new one, never a part. */
export async function writeArray(path: string, view: ArrayView): Promise<void> {
  await writeFileAtomic(path, await encodeArray(path, view));
}
