import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { isHttpUrl } from '../io/url-input.js';
import { expandGlob, isGlob } from './glob.js';

/** One input of a batch, or an argument that named none (reported as a failed input). */
export interface BatchInput {
  /** As the user will read it: the path as given, or under the directory or pattern given. */
  readonly path: string;
  /** Absolute: the manifest's key, and what makes two spellings of one file one input. */
  readonly absolute: string;
  /** Why this argument gives no readable file (a pattern that matched nothing); else undefined. */
  readonly problem?: string;
}

export interface ExpandOptions {
  recursive: boolean;
  /** Extensions a directory contributes (other files in it are not inputs). */
  extensions: readonly string[];
  /** A directory never read from: the batch's own output directory. */
  exclude?: string;
}

function inside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

async function listDirectory(dir: string, options: ExpandOptions, exclude: string | undefined): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    if (exclude !== undefined && inside(resolve(current), exclude)) return;
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Hidden files are a tool's (an atomic write's temporary, a manifest), never an input.
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      const info = await stat(path).catch(() => null);
      if (info?.isDirectory()) {
        // Linked directories are not followed: a link loop would never end.
        if (options.recursive && entry.isDirectory()) await walk(path);
      } else if (info?.isFile() && options.extensions.includes(extname(entry.name).toLowerCase())) {
        found.push(path);
      }
    }
  };
  await walk(dir);
  return found;
}

/**
 * The inputs of a batch, in the order given: a file as it is (whatever its extension: a wrong
 * one is reported as that input's failure), a directory as the files in it with an accepted
 * extension (its subdirectories too with --recursive), a pattern as the files it matches. An
 * argument that exists as a file is taken literally even if it holds `*` or `[`. A file named
 * twice is one input; the output directory is never read from.
 */
export async function expandInputs(args: readonly string[], options: ExpandOptions): Promise<BatchInput[]> {
  const inputs: BatchInput[] = [];
  const seen = new Set<string>();
  const exclude = options.exclude === undefined ? undefined : resolve(options.exclude);
  const add = (path: string, problem?: string): void => {
    const absolute = resolve(path);
    if (seen.has(absolute)) return;
    if (problem === undefined && exclude !== undefined && inside(absolute, exclude)) return;
    seen.add(absolute);
    inputs.push({ path, absolute, ...(problem === undefined ? {} : { problem }) });
  };
  for (const arg of args) {
    if (isHttpUrl(arg)) {
      throw new UsageError(`${arg}: a URL is read by a single-input command (tilerun stats URL, tilerun run KERNEL URL); a batch takes files, directories and patterns`);
    }
    const info = await stat(arg).catch(() => null);
    if (info?.isDirectory()) {
      for (const path of await listDirectory(arg, options, exclude)) add(path);
    } else if (info === null && isGlob(arg)) {
      let matches: string[];
      try {
        matches = await expandGlob(arg);
      } catch (error) {
        throw new UsageError(`pattern ${arg}: ${(error as Error).message}`);
      }
      if (matches.length === 0) add(arg, 'the pattern matched no files');
      for (const path of matches) add(path);
    } else {
      // A missing or unreadable file is still an input: reading it reports why it failed.
      add(arg);
    }
  }
  return inputs;
}
