import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Checks, before any work, that a file can be written where the user asked: a known extension,
 * not an existing directory, and a writable parent directory.
 */
export async function checkOutputPath(flag: string, path: string, extensions: readonly string[]): Promise<string> {
  const extension = extname(path).toLowerCase();
  if (!extensions.includes(extension)) {
    throw new UsageError(`${flag} ${path}: unsupported output format '${extension || '(none)'}': accepted are ${extensions.join(', ')}`);
  }
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory() || /[\\/]$/.test(path)) throw new UsageError(`${flag} ${path}: is a directory; give a file name`);
  try {
    await access(dirname(path), constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${dirname(path)} does not exist or is not writable`);
  }
  return extension;
}
