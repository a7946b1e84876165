import sharp from 'sharp';
import type { Metadata, OutputInfo } from 'sharp';
import { allocateArray, byteLength, type ArrayView } from '../array/array-view.js';
import type { DType } from '../array/dtype.js';
import { InputError } from '../errors.js';

/** libvips band formats tilerun reads, and the dtype each becomes. */
const DEPTHS: Record<string, DType> = { uchar: 'u8', ushort: 'u16', float: 'f32' };

export const IMAGE_ACCEPTED = 'PNG, JPEG or TIFF with 8-bit, 16-bit or 32-bit float samples and 1 to 4 channels';

/**
 * Decodes PNG, JPEG and TIFF through sharp (libvips), keeping the file's bit depth and channels
 * (gray, gray+alpha, RGB, RGBA): 16-bit stays 16-bit, nothing is converted to sRGB.
 */
export async function readImage(bytes: Uint8Array, path: string): Promise<ArrayView> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InputError(path, `cannot decode image (${messageOf(error)}): accepted are ${IMAGE_ACCEPTED}`);
  }
  const dtype = metadata.depth ? DEPTHS[metadata.depth] : undefined;
  if (!dtype) {
    throw new InputError(path, `unsupported sample format '${metadata.depth ?? 'unknown'}': accepted are ${IMAGE_ACCEPTED}`);
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // libvips would otherwise convert to 8-bit sRGB: ask for the file's own colour family and depth.
    const gray = (metadata.channels ?? 3) <= 2;
    const colourspace = gray ? (dtype === 'u16' ? 'grey16' : 'b-w') : dtype === 'u16' ? 'rgb16' : 'srgb';
    decoded = await sharp(bytes, { limitInputPixels: false })
      .pipelineColourspace(colourspace)
      .toColourspace(colourspace)
      .raw({ depth: metadata.depth as 'uchar' | 'ushort' | 'float' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InputError(path, `cannot decode image (${messageOf(error)})`);
  }
  const { width, height, channels } = decoded.info;
  if (channels < 1 || channels > 4) throw new InputError(path, `image has ${channels} channels: accepted are 1 to 4`);
  const array = allocateArray(dtype, height, width, channels);
  const expected = byteLength(array);
  if (decoded.data.length !== expected) {
    throw new InputError(path, `decoder returned ${decoded.data.length} bytes for ${height}x${width}x${channels} ${dtype}, expected ${expected}`);
  }
  new Uint8Array(array.buffer, 0, expected).set(decoded.data);
  return array;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
