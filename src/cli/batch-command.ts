import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseParams } from '../../kernels/params.js';
import { getKernel } from '../../kernels/index.js';
import { tileStatsCsv, tileStatsDocument } from '../../kernels/tile-stats/output.js';
import { defaultTileStatsParams, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import type { AnyKernel } from '../../kernels/types.js';
import { isGlob } from '../batch/glob.js';
import { runBatch, type BatchOptions, type ProcessOne } from '../batch/run-batch.js';
import type { SummaryRow } from '../batch/summary.js';
import { parseDeviceSelection } from '../devices/select.js';
import { withRuntime, type RuntimeFlags } from './runtime-flags.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { toJson } from '../io/json.js';
import { shapeOnlyView, type OpenedInput } from '../io/row-source.js';
import { ARRAY_EXTENSIONS, writeArray } from '../io/write-array.js';
import { blameModule, type RunResult } from '../run.js';
import { openOneInput, runOnInput } from './input-run.js';
import { parsePositiveInteger } from './options.js';
import { checkAgainstInput, reductionDocument, resolveKernel, type RunFlags } from './run-command.js';
import type { StatsFlags } from './stats-command.js';
import { parseStatsFlags } from './stats-command.js';

/** The batch flags of `run` and `stats`, as commander hands them over. */
export interface BatchFlags {
  outDir?: string;
  recursive?: boolean;
  resume?: boolean;
  failFast?: boolean;
  quiet?: boolean;
  jobs?: string;
  format?: string;
}

/** Extensions a directory given as an input contributes (readInput decides what it really reads). */
export const INPUT_EXTENSIONS = ['.npy', '.png', '.jpg', '.jpeg', '.tif', '.tiff', '.dcm'];

/**
 * Opens one input of a batch with the reader a single run uses (TIFF/BigTIFF, DICOM, .npy read
 * band by band when large), so a large file in a batch is streamed with the same memory bound.
 * A multi-page file is one failed input naming --page/--stack, which batches do not take yet.
 */
async function withOpenedInput<T>(path: string, work: (input: OpenedInput) => Promise<T>): Promise<T> {
  const { input, close } = await openOneInput(path, { stack: false, stream: false });
  try {
    return await work(input);
  } finally {
    await close();
  }
}

export const BATCH_HELP = `
Many inputs: give several files, directories (--recursive for their subdirectories) or quoted
glob patterns ('scans/**/*.npy'), and --out-dir: one result per input, named after it, plus
summary.json and summary.csv. Exit code 4: the batch finished but some inputs failed.`;

export function addBatchOptions(command: Command, formats: string): Command {
  return command
    .option('--out-dir <dir>', 'many inputs: write one result per input here (created if missing), plus summary.json and summary.csv')
    .option('--format <ext>', `many inputs: the results' format (${formats})`)
    .option('--recursive', 'many inputs: read the subdirectories of a directory given as an input too')
    .option('--resume', 'many inputs: skip the inputs a previous run of the same command into --out-dir finished (its manifest records them)')
    .option('--fail-fast', 'many inputs: stop at the first input that fails (default: report it and go on)')
    .option('--jobs <n>', 'many inputs: inputs in flight at once, sharing the devices (default 2)')
    .option('--quiet', 'no progress display');
}

/**
 * Whether a command runs as a batch: more than one input, a directory or a pattern, or an
 * --out-dir. One plain file without --out-dir runs exactly as before.
 */
export async function isBatchInvocation(inputs: readonly string[], flags: BatchFlags): Promise<boolean> {
  if (inputs.length !== 1 || flags.outDir !== undefined) return true;
  const info = await stat(inputs[0]!).catch(() => null);
  return info?.isDirectory() === true || (info === null && isGlob(inputs[0]!));
}

/** Flags that mean something for one run only, refused in a batch with what to do instead. */
function checkBatchFlags(flags: BatchFlags & { out?: string; trace?: string; explain?: boolean }): BatchOptions['jobs'] {
  if (flags.outDir === undefined) throw new UsageError('many inputs (several files, a directory or a pattern) need --out-dir <dir> for their results');
  if (flags.out !== undefined) throw new UsageError(`--out ${flags.out} names one result: with many inputs give --out-dir (one result per input is written there)`);
  if (flags.trace !== undefined || flags.explain === true) throw new UsageError('--trace and --explain describe one run: give one input for them');
  return flags.jobs === undefined ? 2 : parsePositiveInteger('--jobs', flags.jobs, 64);
}

function batchOptions(flags: BatchFlags & RuntimeFlags & { json?: boolean; devices: string; threads?: string }, jobs: number): BatchOptions {
  return {
    outDir: flags.outDir!,
    recursive: flags.recursive === true,
    resume: flags.resume === true,
    failFast: flags.failFast === true,
    jobs,
    json: flags.json === true,
    quiet: flags.quiet === true,
    selection: withRuntime(parseDeviceSelection(flags.devices), flags),
    ...(flags.threads === undefined ? {} : { threads: parsePositiveInteger('--threads', flags.threads, 1024) }),
  };
}

function chooseFormat(flag: string | undefined, accepted: readonly string[], fallback: string): string {
  if (flag === undefined) return fallback;
  const extension = (flag.startsWith('.') ? flag : `.${flag}`).toLowerCase();
  if (!accepted.includes(extension)) throw new UsageError(`--format ${flag}: accepted are ${accepted.map((ext) => ext.slice(1)).join(', ')}`);
  return extension;
}

/** The summary row of a finished run. */
function rowOf(result: RunResult, input: string): SummaryRow {
  return {
    input,
    status: 'ok',
    output: null,
    error: null,
    dtype: result.array.dtype,
    height: result.array.height,
    width: result.array.width,
    channels: result.array.channels,
    bytes: result.array.bytes,
    tiles: result.grid.count,
    passes: result.passes,
    seconds: result.seconds,
    gigabytesPerSecond: (result.array.bytes * result.passes) / result.seconds / 1e9,
    devices: result.devices.filter((device) => device.tiles > 0).map((device) => `${device.id}:${device.tiles}`).join(' '),
  };
}

/** A kernel module's identity is its file's content: editing the module invalidates --resume. */
function kernelIdentity(kernel: AnyKernel): Record<string, string> {
  const file = (kernel as { moduleFile?: string }).moduleFile;
  if (file === undefined) return { kernel: kernel.name };
  return { kernelModule: resolve(file), kernelModuleSha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

/** `tilerun stats` over many inputs: one tile-stats document (.json or .csv) per input. */
export async function statsBatch(inputs: readonly string[], flags: StatsFlags & BatchFlags): Promise<void> {
  const jobs = checkBatchFlags(flags);
  const options = await parseStatsFlags(flags);
  const suffix = chooseFormat(flags.format, ['.json', '.csv'], '.json');
  const kernel = getKernel('tile-stats');
  const processOne: ProcessOne = (input, outputPath, devices, onProgress) =>
    withOpenedInput(input.path, async (opened) => {
      const params: TileStatsParams = { bins: options.bins ?? defaultTileStatsParams(opened.source.dtype).bins, range: options.range ?? null };
      const run = await runOnInput(kernel, opened, params, {
        devices,
        ...(options.tile === undefined ? {} : { tile: options.tile }),
        onProgress,
        recalibrate: options.schedule.recalibrate,
      }, { stream: false });
      const result = run.result as RunResult<TileStatsParams, TileStatsPartial>;
      const document = tileStatsDocument(result, input.path);
      await writeFileAtomic(outputPath, suffix === '.csv' ? tileStatsCsv(document) : toJson(document) + '\n');
      return { row: rowOf(result, input.path), result: document.whole };
    });
  const hashed = { command: 'stats', tile: options.tile ?? null, bins: options.bins ?? null, range: options.range ?? null, format: suffix };
  await runBatch(inputs, { suffix, extensions: INPUT_EXTENSIONS, hashed, processOne }, batchOptions(flags, jobs));
}

/** `tilerun run` over many inputs: one output array (maps) or result document (reductions) per input. */
export async function runBatchCommand(kernelArgument: string, inputs: readonly string[], flags: RunFlags & BatchFlags): Promise<void> {
  const jobs = checkBatchFlags(flags);
  const kernel = await resolveKernel(kernelArgument);
  const params = parseParams(kernel.name, kernel.params, flags.param);
  const tile = flags.tile === undefined ? undefined : parsePositiveInteger('--tile', flags.tile, 1 << 20);
  const suffix = kernel.kind === 'map' ? chooseFormat(flags.format, ARRAY_EXTENSIONS, '.npy') : chooseFormat(flags.format, ['.json'], '.json');
  const processOne: ProcessOne = (input, outputPath, devices, onProgress) =>
    withOpenedInput(input.path, async (opened) => {
      try {
        // The format is checked against this input's output (dtype, channels, size) before any tile runs.
        checkAgainstInput({ kernel, params, out: outputPath } as Parameters<typeof checkAgainstInput>[0], shapeOnlyView(opened.source));
      } catch (error) {
        throw blameModule(kernel, error);
      }
      const run = await runOnInput(kernel, opened, params, {
        devices,
        ...(tile === undefined ? {} : { tile }),
        onProgress,
        recalibrate: flags.recalibrate === true,
      }, { stream: false, out: outputPath });
      const result = run.result;
      if (result.kind === 'map') {
        // A large input's output was already written band by band (.npy); else it is in memory.
        if (!run.written) await writeArray(outputPath, result.output!);
        return { row: rowOf(result, input.path) };
      }
      const document = reductionDocument(result, input.path);
      await writeFileAtomic(outputPath, toJson(document) + '\n');
      return { row: rowOf(result, input.path), result: result.whole };
    });
  const hashed = { command: 'run', ...kernelIdentity(kernel), params, tile: tile ?? null, format: suffix };
  await runBatch(inputs, { suffix, extensions: INPUT_EXTENSIONS, hashed, processOne }, batchOptions(flags, jobs));
}
