import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
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

/**
 * Refuses a command whose files collide: an output over the input (the user's data would be
 * replaced) or two outputs on one path (one would silently replace the other).
 */
export function checkDistinctPaths(input: string | undefined, outputs: Readonly<Record<string, string | undefined>>): void {
  const seen = new Map<string, string>();
  if (input !== undefined) seen.set(resolve(input), 'the input');
  for (const [flag, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    const other = seen.get(resolve(path));
    if (other !== undefined) throw new UsageError(`${flag} ${path}: is also ${other}; give each output its own file (and never the input)`);
    seen.set(resolve(path), flag);
  }
}
