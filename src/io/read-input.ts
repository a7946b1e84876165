import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ArrayView } from '../array/array-view.js';
import { InputError } from '../errors.js';
import { readImage } from './image.js';
import { parseNpy } from './npy.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff']);
export const ACCEPTED_INPUTS = '.npy, .png, .jpg/.jpeg, .tif/.tiff';

/** Reads an input file into a shared array, choosing the reader by extension. */
export async function readInput(path: string): Promise<ArrayView> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(path, 'is not a regular file');
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`);
  }
  if (size === 0) throw new InputError(path, 'file is empty');
  const extension = extname(path).toLowerCase();
  if (extension !== '.npy' && !IMAGE_EXTENSIONS.has(extension)) {
    throw new InputError(path, `unsupported file type '${extension || '(none)'}': accepted are ${ACCEPTED_INPUTS}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return extension === '.npy' ? parseNpy(bytes, path) : readImage(bytes, path);
}
