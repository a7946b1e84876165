import type { Metadata, OutputInfo } from 'sharp';
import { allocateArray, byteLength, type ArrayView } from '../array/array-view.js';
import type { DType } from '../array/dtype.js';
import { InputError } from '../errors.js';

/** libvips band formats tilerun reads, and the dtype each becomes. */
const DEPTHS: Record<string, DType> = { uchar: 'u8', ushort: 'u16', float: 'f32' };

/**
 * sharp (libvips), loaded on first use: importing it takes ~150 ms, which every command would
 * otherwise pay at start-up, and most runs decode or encode no image.
 */
export async function loadSharp() {
  return (await import('sharp')).default;
}

type SharpConstructor = Awaited<ReturnType<typeof loadSharp>>;

export const IMAGE_ACCEPTED = 'PNG, JPEG or TIFF with 8-bit, 16-bit or 32-bit float samples and 1 to 4 channels';

/**
 * Decodes PNG, JPEG and TIFF through sharp (libvips), keeping the file's bit depth and channels
 * (gray, gray+alpha, RGB, RGBA): 16-bit stays 16-bit, nothing is converted to sRGB.
 */
export async function readImage(bytes: Uint8Array, path: string): Promise<ArrayView> {
  const sharp = await loadSharp();
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
  const sourceChannels = metadata.channels ?? 0;
  if (sourceChannels < 1 || sourceChannels > 4) {
    throw new InputError(path, `image has ${sourceChannels} channels: accepted are 1 to 4`);
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await decodeRaw(sharp, bytes, dtype, metadata);
  } catch (error) {
    throw new InputError(path, `cannot decode image (${messageOf(error)})`);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== sourceChannels) {
    // Never hand on an image with channels added or dropped by a colour conversion.
    throw new InputError(path, `decoder returned ${channels} channels for an image with ${sourceChannels}: unsupported colour layout '${metadata.space ?? 'unknown'}'`);
  }
  const array = allocateArray(dtype, height, width, channels);
  const expected = byteLength(array);
  if (decoded.data.length !== expected) {
    throw new InputError(path, `decoder returned ${decoded.data.length} bytes for ${height}x${width}x${channels} ${dtype}, expected ${expected}`);
  }
  new Uint8Array(array.buffer, array.byteOffset, expected).set(decoded.data);
  return array;
}

/**
 * libvips converts to 8-bit sRGB unless asked otherwise, so each layout names its own colour
 * space: grey16/rgb16 keep 16 bits, float keeps the file's space (b-w, scrgb), 8-bit gray stays
 * b-w. 8-bit gray+alpha is the exception: b-w drops the alpha, so it is decoded as RGBA (gray
 * replicated) and channels 0 and 3 are kept.
 */
async function decodeRaw(sharp: SharpConstructor, bytes: Uint8Array, dtype: DType, metadata: Metadata): Promise<{ data: Buffer; info: OutputInfo }> {
  const channels = metadata.channels ?? 0;
  const depth = metadata.depth as 'uchar' | 'ushort' | 'float';
  const gray = channels <= 2;
  const image = sharp(bytes, { limitInputPixels: false });
  if (dtype === 'u8' && channels === 2) {
    const rgba = await image.ensureAlpha().raw({ depth }).toBuffer({ resolveWithObject: true });
    if (rgba.info.channels !== 4) return rgba;
    const pixels = rgba.info.width * rgba.info.height;
    const data = Buffer.alloc(pixels * 2);
    for (let i = 0; i < pixels; i++) {
      data[2 * i] = rgba.data[4 * i]!;
      data[2 * i + 1] = rgba.data[4 * i + 3]!;
    }
    return { data, info: { ...rgba.info, channels: 2 as OutputInfo['channels'], size: data.length } };
  }
  let colourspace: string;
  if (dtype === 'f32') colourspace = metadata.space ?? (gray ? 'b-w' : 'scrgb');
  else if (dtype === 'u16') colourspace = gray ? 'grey16' : 'rgb16';
  else colourspace = gray ? 'b-w' : 'srgb';
  return image.pipelineColourspace(colourspace).toColourspace(colourspace).raw({ depth }).toBuffer({ resolveWithObject: true });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
