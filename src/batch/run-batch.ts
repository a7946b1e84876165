import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Device } from '../devices/device.js';
import { openDevices, type DeviceSelection } from '../devices/select.js';
import { BatchFailedError, InterruptedError, UsageError } from '../errors.js';
import { toJson } from '../io/json.js';
import { expandInputs, type BatchInput } from './expand-inputs.js';
import { isDone, loadManifest, ManifestWriter, optionsHash, type Manifest } from './manifest.js';
import { outputNames, SUMMARY_CSV, SUMMARY_JSON } from './output-names.js';
import { batchProgress } from './progress.js';
import { emptyRow, totalsOf, writeSummary, type SummaryRow } from './summary.js';

export type RunProgress = (tilesDone: number, tilesTotal: number, bytesDone: number, pass: number) => void;

/**
 * The work for one input: read it, run, write its result to `outputPath` atomically. Everything
 * about one input sits behind this function, so another reader (streamed raw, TIFF regions,
 * DICOM) can replace readInput here without touching the batch.
 */
export type ProcessOne = (
  input: BatchInput,
  outputPath: string,
  devices: readonly Device[],
  onProgress: RunProgress,
) => Promise<{ row: SummaryRow; result?: unknown }>;

/** What a command (run, stats) hands the batch. */
export interface BatchSpec {
  /** The output file's extension, with its dot. */
  suffix: string;
  /** Extensions a directory contributes. */
  extensions: readonly string[];
  /** Everything that shapes a result (kernel, parameters, tile, format): hashed into the manifest. */
  hashed: Record<string, unknown>;
  processOne: ProcessOne;
}

export interface BatchOptions {
  outDir: string;
  recursive: boolean;
  resume: boolean;
  failFast: boolean;
  /** Inputs in flight at once (read, run and written). */
  jobs: number;
  json: boolean;
  quiet: boolean;
  selection: DeviceSelection;
  threads?: number;
}

/** Seconds the inputs in flight get to finish after Ctrl-C before the batch exits without them. */
const WRITE_GRACE_SECONDS = 10;

/** Atomic writes leave `.name.<12 hex>.tmp` behind only when the process is killed mid-write. */
const TEMPORARY = /^\..+\.[0-9a-f]{12}\.tmp$/;

async function removeStaleTemporaries(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await removeStaleTemporaries(path);
    else if (entry.isFile() && TEMPORARY.test(entry.name)) await rm(path, { force: true });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a command over many inputs into one output directory: a bounded number of inputs in flight
 * on devices opened once (two runs share the devices, so while one run finishes its last batches
 * the next one's batches fill the idle lanes), each result written atomically, the manifest
 * updated after each, summary.json and summary.csv at the end (and on Ctrl-C). A failed input is
 * reported and the batch goes on (--fail-fast stops it); the error thrown at the end carries the
 * exit code: 4 when some inputs failed, 130 on Ctrl-C.
 */
export async function runBatch(args: readonly string[], spec: BatchSpec, options: BatchOptions): Promise<SummaryRow[]> {
  const started = performance.now();
  const { outDir } = options;
  const existing = await stat(outDir).catch(() => null);
  if (existing !== null && !existing.isDirectory()) throw new UsageError(`--out-dir ${outDir}: is a file; give a directory (it is created if missing)`);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out-dir ${outDir}: cannot create it (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`);
  }
  const inputs = await expandInputs(args, { recursive: options.recursive, extensions: spec.extensions, exclude: outDir });
  if (inputs.length === 0) {
    throw new UsageError(`no inputs: ${args.join(' ')} holds no files with an accepted extension (${spec.extensions.join(', ')})${options.recursive ? '' : '; --recursive reads subdirectories too'}`);
  }
  await removeStaleTemporaries(outDir);

  const hash = optionsHash(spec.hashed);
  const previous = await loadManifest(outDir);
  if (options.resume && previous !== null && previous.optionsHash !== hash) {
    // Results made with other options in one directory would make a summary that describes neither run.
    throw new UsageError(
      `--resume: ${outDir} holds results made with other options (${toJson(previous.options, 0)}); this command has ${toJson(spec.hashed, 0)}: run it without --resume to redo every input, or give another --out-dir`,
    );
  }
  const manifest: Manifest = options.resume && previous !== null ? previous : { version: 1, tool: 'tilerun', optionsHash: hash, options: spec.hashed, entries: {} };
  const writer = new ManifestWriter(outDir, manifest);
  await writer.save();

  const readable = inputs.filter((input) => input.problem === undefined);
  const recorded = new Map(Object.entries(manifest.entries).map(([path, entry]) => [path, entry.output]));
  const names = outputNames(readable.map((input) => input.absolute), spec.suffix, recorded);

  const rows = new Map<BatchInput, SummaryRow>();
  const pending: BatchInput[] = [];
  for (const input of inputs) {
    if (input.problem !== undefined) rows.set(input, emptyRow(input.path, 'failed', `${input.path}: ${input.problem}`));
    else if (options.resume && (await isDone(manifest.entries[input.absolute], input.absolute, outDir))) {
      rows.set(input, { ...manifest.entries[input.absolute]!.row, input: input.path, status: 'skipped' });
    } else pending.push(input);
  }

  const progress = batchProgress(!options.quiet && !options.json, pending.length);
  const emit = (row: SummaryRow, result?: unknown): void => {
    progress.clear();
    if (options.json) {
      process.stdout.write(toJson(result === undefined ? row : { ...row, result }, 0) + '\n');
    } else if (row.status === 'failed') {
      process.stderr.write(`failed  ${row.error}\n`);
    } else if (row.status === 'skipped') {
      process.stdout.write(`skipped ${row.input} (done by an earlier run: ${join(outDir, row.output ?? '')})\n`);
    } else {
      const rate = row.gigabytesPerSecond === null ? '' : `, ${row.gigabytesPerSecond.toFixed(2)} GB/s`;
      process.stdout.write(`ok      ${row.input} -> ${join(outDir, row.output!)} (${row.height}x${row.width}x${row.channels} ${row.dtype}, ${row.tiles} tiles, ${row.seconds!.toFixed(2)} s${rate})\n`);
    }
  };
  for (const input of inputs) {
    const row = rows.get(input);
    if (row) emit(row);
  }

  let stop = false;
  let interrupted = false;
  let onInterrupt: () => void = () => undefined;
  const interruption = new Promise<void>((resolve) => (onInterrupt = resolve));
  const writes = new Set<Promise<unknown>>();
  const handleSignal = (): void => {
    // A second Ctrl-C does not wait: results are renamed into place whole or not at all, and the
    // temporaries a cut write leaves are removed by the next run.
    if (interrupted) process.exit(130);
    interrupted = true;
    stop = true;
    onInterrupt();
  };
  process.on('SIGINT', handleSignal);
  process.on('SIGTERM', handleSignal);

  const opened = pending.length === 0 ? { devices: [] as Device[], notes: [] as string[] } : await openDevices(options.selection, options.threads === undefined ? {} : { threads: options.threads });
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!stop && next < pending.length) {
        const input = pending[next++]!;
        const output = names.get(input.absolute)!;
        const outputPath = join(outDir, output);
        let row: SummaryRow;
        let result: unknown;
        const work = (async () => {
          const before = await stat(input.absolute).catch(() => null);
          await mkdir(dirname(outputPath), { recursive: true });
          const done = await spec.processOne(input, outputPath, opened.devices, (...report) => progress.tiles(input.absolute, ...report));
          return { before, done };
        })();
        writes.add(work);
        try {
          const { before, done } = await work;
          row = { ...done.row, input: input.path, status: 'ok', output };
          result = done.result;
          if (before !== null) {
            await writer.record(input.absolute, { size: before.size, mtimeMs: before.mtimeMs, output, finishedAt: new Date().toISOString(), row });
          }
        } catch (error) {
          row = emptyRow(input.path, 'failed', messageOf(error));
          if (options.failFast) stop = true;
        } finally {
          writes.delete(work);
        }
        rows.set(input, row);
        progress.finished(input.absolute);
        if (!interrupted) emit(row, result);
      }
    };
    const workers = Promise.all(Array.from({ length: Math.min(options.jobs, pending.length) }, worker));
    await Promise.race([workers, interruption]);
    if (interrupted) {
      // Inputs in flight get a few seconds to finish and be recorded; then they are abandoned
      // (a result is renamed into place whole or not at all, so nothing half-written stays).
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_GRACE_SECONDS * 1000)));
      await Promise.race([Promise.allSettled([...writes]), grace]);
      clearTimeout(timer);
    }
  } finally {
    progress.stop();
    process.off('SIGINT', handleSignal);
    process.off('SIGTERM', handleSignal);
    // After Ctrl-C the devices may be mid-batch: exiting ends them; waiting for a close could hang.
    if (!interrupted) await Promise.allSettled(opened.devices.map((device) => device.close()));
  }

  const all = inputs.map((input) => rows.get(input) ?? emptyRow(input.path, 'not run', interrupted ? 'interrupted' : 'stopped by --fail-fast'));
  const seconds = (performance.now() - started) / 1000;
  await writer.save();
  await writeSummary(outDir, all, { options: spec.hashed, optionsHash: hash, notes: opened.notes }, seconds);
  const totals = totalsOf(all, seconds);
  if (!options.json) {
    process.stdout.write(
      `${totals.inputs} input${totals.inputs === 1 ? '' : 's'}: ${totals.ok} ok, ${totals.skipped} skipped, ${totals.failed} failed, ${totals.notRun} not run; ` +
        `${(totals.bytes / seconds / 1e9).toFixed(2)} GB/s over ${seconds.toFixed(1)} s; wrote ${join(outDir, SUMMARY_JSON)}, ${join(outDir, SUMMARY_CSV)}\n`,
    );
  }
  if (interrupted) throw new InterruptedError(`interrupted: ${totals.ok} input${totals.ok === 1 ? '' : 's'} finished and kept; rerun with --resume to do the rest`);
  if (totals.failed > 0) throw new BatchFailedError(`${totals.failed} of ${totals.inputs} inputs failed (listed in ${join(outDir, SUMMARY_JSON)})`);
  return all;
}
