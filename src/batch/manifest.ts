import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { toJson } from '../io/json.js';
import { MANIFEST } from './output-names.js';
import type { SummaryRow } from './summary.js';

/**
 * The record that makes --resume safe: which inputs a batch finished (their size and mtime when
 * read, and the output written), under the hash of the options that shape a result. It is
 * rewritten atomically after every finished input, so a killed run leaves the last good copy.
 */
export interface ManifestEntry {
  size: number;
  mtimeMs: number;
  output: string;
  finishedAt: string;
  row: SummaryRow;
}

export interface Manifest {
  version: 1;
  tool: 'tilerun';
  optionsHash: string;
  /** The options hashed, for a person comparing two runs. */
  options: unknown;
  /** By absolute input path. */
  entries: Record<string, ManifestEntry>;
}

/** Keys sorted, so the hash does not depend on the order options were built in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}

export function optionsHash(options: unknown): string {
  return createHash('sha256').update(toJson(canonical(options), 0)).digest('hex').slice(0, 16);
}

export function manifestPath(outDir: string): string {
  return join(outDir, MANIFEST);
}

export async function loadManifest(outDir: string): Promise<Manifest | null> {
  const path = manifestPath(outDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`${path}: cannot read the batch manifest (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    manifest = null as unknown as Manifest;
  }
  if (manifest?.tool !== 'tilerun' || manifest.version !== 1 || typeof manifest.entries !== 'object' || manifest.entries === null) {
    throw new UsageError(`${path}: not a tilerun batch manifest (version 1): remove it to start the batch again, or give another --out-dir`);
  }
  return manifest;
}

/**
 * An input is done when the manifest has it with the size and mtime it has now and its output is
 * still there: an input changed since, or an output deleted, runs again.
 */
export async function isDone(entry: ManifestEntry | undefined, absoluteInput: string, outDir: string): Promise<boolean> {
  if (entry === undefined) return false;
  const [input, output] = await Promise.all([stat(absoluteInput).catch(() => null), stat(join(outDir, entry.output)).catch(() => null)]);
  return input !== null && output?.isFile() === true && input.size === entry.size && input.mtimeMs === entry.mtimeMs;
}

/** Saves one at a time, in order: two inputs finishing together must not write over each other's record. */
export class ManifestWriter {
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly outDir: string,
    readonly manifest: Manifest,
  ) {}

  record(absoluteInput: string, entry: ManifestEntry): Promise<void> {
    this.manifest.entries[absoluteInput] = entry;
    return this.save();
  }

  save(): Promise<void> {
    const snapshot = JSON.stringify(this.manifest, null, 1) + '\n';
    this.pending = this.pending.catch(() => undefined).then(() => writeFileAtomic(manifestPath(this.outDir), snapshot));
    return this.pending;
  }
}
