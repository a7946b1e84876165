import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isUsableSample, type SavedModel } from './perf-model.js';

/** Bump when SavedModel changes shape: each version has a file of its own, so old and new tilerun never fight over one. */
export const MODEL_FILE_VERSION = 1;

/** Where models live: $TILERUN_CACHE_DIR, else $XDG_CACHE_HOME/tilerun, else ~/.cache/tilerun. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TILERUN_CACHE_DIR) return env.TILERUN_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'tilerun');
  return join(homedir(), '.cache', 'tilerun');
}

interface ModelFile {
  version: number;
  models: Record<string, SavedModel>;
}

/**
 * Models kept: the most recently updated. Every run reads and rewrites the file, so it must stay
 * small (a model is about 1 KiB) however many different jobs a user runs.
 */
export const MAX_MODELS = 200;

/** A lock older than this belongs to a process that died holding it. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 2_000;

/** Least time between two writes of the model file by one process (see ModelStore.save). */
export const WRITE_INTERVAL_MS = 1000;

/** Saves of one model file waiting to be written by this process. */
interface PendingWrites {
  updates: Map<string, SavedModel>;
  discard: Set<string>;
  lastWrite: number;
  timer: NodeJS.Timeout | null;
  store: ModelStore;
}

/** Per model file: every ModelStore of one file in this process shares them. */
const pendingWrites = new Map<string, PendingWrites>();

/** The last parse of each model file, with the inode, size and mtime it was read at. */
const parsedFiles = new Map<string, { identity: string; models: ReadonlyMap<string, SavedModel> }>();

function applyPending(models: Map<string, SavedModel>, waiting: PendingWrites): void {
  for (const key of waiting.discard) models.delete(key);
  for (const [key, model] of waiting.updates) models.set(key, model);
}

let exitHookInstalled = false;

/** Writes what is still waiting when the process exits (synchronous, as 'exit' requires). */
function flushOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const waiting of pendingWrites.values()) waiting.store.flush();
  });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Performance models kept across runs in one JSON file under the user's cache directory.
 * Saving merges with what is on disk under a lock file (two runs at once each keep their own
 * models) and replaces the file by rename, so a reader never sees half of one. A missing,
 * unreadable or corrupt file means "no models": runs start uncalibrated and say so, they never fail for it.
 */
export class ModelStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(readonly dir: string = defaultCacheDir()) {
    this.file = join(dir, `perf-models.v${MODEL_FILE_VERSION}.json`);
    this.lockFile = `${this.file}.lock`;
  }

  /**
   * Every stored model, with this process's saves not yet written laid over them; `problem` says
   * why none could be read, when a file exists but is bad.
   */
  load(): { models: Map<string, SavedModel>; problem?: string } {
    const loaded = this.loadFile();
    const waiting = pendingWrites.get(this.file);
    if (waiting) applyPending(loaded.models, waiting);
    return loaded;
  }

  private loadFile(): { models: Map<string, SavedModel>; problem?: string } {
    // Each run reads the file: parse it again only when it changed (JSON.parse of a full store
    // is about 1.5 ms). A copy is handed out, so callers may change their map.
    let identity: string | null = null;
    try {
      const stat = statSync(this.file);
      identity = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      const cached = parsedFiles.get(this.file);
      if (cached && cached.identity === identity) return { models: new Map(cached.models) };
    } catch {
      // Missing or unreadable: the read below says which.
    }
    const loaded = this.parseFile();
    if (identity !== null && loaded.problem === undefined) parsedFiles.set(this.file, { identity, models: new Map(loaded.models) });
    return loaded;
  }

  private parseFile(): { models: Map<string, SavedModel>; problem?: string } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { models: new Map() };
      return { models: new Map(), problem: `cannot read ${this.file}: ${(error as Error).message}` };
    }
    try {
      const parsed = JSON.parse(text) as ModelFile;
      if (parsed.version !== MODEL_FILE_VERSION || typeof parsed.models !== 'object' || parsed.models === null) {
        throw new Error(`expected version ${MODEL_FILE_VERSION}`);
      }
      const models = new Map<string, SavedModel>();
      for (const [key, model] of Object.entries(parsed.models)) {
        if (isSavedModel(model)) models.set(key, model);
      }
      return { models };
    } catch (error) {
      return { models: new Map(), problem: `ignored ${this.file} (${(error as Error).message}); it will be rewritten` };
    }
  }

  /**
   * Writes `updates` over the stored models and drops `discard`. Returns a problem instead of
   * throwing: a run's result never depends on its cache being writable.
   *
   * Within WRITE_INTERVAL_MS of this process's last write of the file, the save waits and is
   * merged with those that follow (written by a timer, or when the process exits): a batch of
   * many small inputs, or a bench's repeated runs, would otherwise lock, read and rewrite the
   * file once per pass, and wait on each other's locks with the event loop blocked.
   */
  save(updates: ReadonlyMap<string, SavedModel>, discard: readonly string[] = []): string | undefined {
    let waiting = pendingWrites.get(this.file);
    if (!waiting) {
      waiting = { updates: new Map(), discard: new Set(), lastWrite: Number.NEGATIVE_INFINITY, timer: null, store: this };
      pendingWrites.set(this.file, waiting);
    }
    for (const key of discard) {
      waiting.updates.delete(key);
      waiting.discard.add(key);
    }
    for (const [key, model] of updates) {
      waiting.updates.set(key, model);
      waiting.discard.delete(key);
    }
    const sinceWrite = Date.now() - waiting.lastWrite;
    if (sinceWrite >= WRITE_INTERVAL_MS) return this.flush();
    if (!waiting.timer) {
      waiting.timer = setTimeout(() => {
        const problem = this.flush();
        if (problem) process.emitWarning(`performance models: ${problem}`, { code: 'TILERUN_MODELS' });
      }, WRITE_INTERVAL_MS - sinceWrite);
      waiting.timer.unref();
    }
    flushOnExit();
    return undefined;
  }

  /** Writes this process's waiting saves of the file now (see save). */
  flush(): string | undefined {
    const waiting = pendingWrites.get(this.file);
    if (!waiting) return undefined;
    if (waiting.timer) clearTimeout(waiting.timer);
    waiting.timer = null;
    if (waiting.updates.size === 0 && waiting.discard.size === 0) return undefined;
    const updates = new Map(waiting.updates);
    const discard = [...waiting.discard];
    waiting.updates.clear();
    waiting.discard.clear();
    waiting.lastWrite = Date.now();
    return this.write(updates, discard);
  }

  private write(updates: ReadonlyMap<string, SavedModel>, discard: readonly string[]): string | undefined {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      return `cannot create ${this.dir}: ${(error as Error).message}`;
    }
    const locked = this.lock();
    if (typeof locked !== 'string') return locked.problem;
    try {
      const { models } = this.loadFile();
      for (const key of discard) models.delete(key);
      for (const [key, model] of updates) models.set(key, model);
      if (models.size > MAX_MODELS) {
        const newest = [...models.entries()].sort((a, b) => (a[1].updated < b[1].updated ? 1 : a[1].updated > b[1].updated ? -1 : 0)).slice(0, MAX_MODELS);
        models.clear();
        for (const [key, model] of newest) models.set(key, model);
      }
      const file: ModelFile = { version: MODEL_FILE_VERSION, models: Object.fromEntries(models) };
      const temporary = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        writeFileSync(temporary, `${JSON.stringify(file)}\n`);
        renameSync(temporary, this.file);
      } catch (error) {
        rmSync(temporary, { force: true });
        return `cannot write ${this.file}: ${(error as Error).message}`;
      }
      return undefined;
    } finally {
      // Only our own lock: one judged stale and taken over by another run is theirs now.
      try {
        if (readFileSync(this.lockFile, 'utf8') === locked) rmSync(this.lockFile, { force: true });
      } catch {
        // Already gone.
      }
    }
  }

  /** Takes the lock file; returns the token written in it, or why it could not. */
  private lock(): string | { problem: string } {
    const token = `${process.pid} ${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        try {
          writeSync(fd, token);
        } finally {
          closeSync(fd);
        }
        return token;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') return { problem: `cannot create ${this.lockFile} (${code ?? (error as Error).message}); models from this run were not saved` };
      }
      try {
        if (Date.now() - statSync(this.lockFile).mtimeMs > STALE_LOCK_MS) rmSync(this.lockFile, { force: true });
      } catch {
        // Released between our open and stat: try again.
      }
      if (Date.now() > deadline) return { problem: `${this.lockFile} is held by another run; models from this run were not saved` };
      sleepSync(5 + Math.random() * 20);
    }
  }
}

function isSavedModel(value: unknown): value is SavedModel {
  const model = value as SavedModel;
  return (
    typeof model === 'object' &&
    model !== null &&
    Array.isArray(model.samples) &&
    model.samples.every(
      (s) =>
        Array.isArray(s) &&
        s.length === 3 &&
        s.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
        isUsableSample({ bytes: s[0], seconds: s[1], transferSeconds: s[2] }) &&
        s[2] >= 0,
    ) &&
    typeof model.observed === 'number' &&
    typeof model.updated === 'string'
  );
}
