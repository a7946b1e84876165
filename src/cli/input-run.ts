import { totalmem } from 'node:os';
import { extname } from 'node:path';
import type { AnyKernel } from '../../kernels/types.js';
import { byteLength } from '../array/array-view.js';
import { InputError, UsageError } from '../errors.js';
import { openInputs } from '../io/open-input.js';
import { downloadInput, isHttpUrl } from '../io/url-input.js';
import { StreamedNpyWriter } from '../io/npy-writer.js';
import { loadWhole, sourceBytes, type OpenedInput } from '../io/row-source.js';
import { runKernel, type RunOptions, type RunResult } from '../run.js';
import { runKernelStreamed, type OutputSink } from '../run-streamed.js';
import type { InputOptions } from './input-flags.js';

/** Inputs up to this size are read whole and run in memory; larger ones are streamed band by band. */
export const STREAM_THRESHOLD_BYTES = Math.min(2 ** 30, Math.floor(totalmem() / 8));
/** A streamed map's output in a format that cannot be written band by band (PNG, TIFF) is gathered in memory up to this size. */
export const MAX_GATHERED_OUTPUT_BYTES = Math.min(2 ** 30, Math.floor(totalmem() / 8));

/**
 * Opens the one input a single-input command runs: a whole file, the page --page names, or a
 * --stack of pages. An http(s):// URL is downloaded to a temporary file first (removed on close)
 * and reported under its URL.
 */
export async function openOneInput(path: string, options: InputOptions): Promise<{ input: OpenedInput; close: () => Promise<void> }> {
  if (!isHttpUrl(path)) return openLocalInput(path, options);
  const downloaded = await downloadInput(path);
  try {
    const { input, close } = await openLocalInput(downloaded.path, options);
    const named: OpenedInput = {
      ...input,
      name: input.name.replace(downloaded.path, path),
      path,
      notes: [`downloaded ${downloaded.bytes} bytes from ${path}`, ...input.notes],
    };
    return {
      input: named,
      close: async () => {
        await close();
        await downloaded.remove();
      },
    };
  } catch (error) {
    await downloaded.remove();
    // Errors name the URL the user gave, not the temporary file.
    if (error instanceof InputError) throw new InputError(path, error.message.slice(error.path.length + 2).replaceAll(downloaded.path, path));
    if (error instanceof UsageError) throw new UsageError(error.message.replaceAll(downloaded.path, path));
    throw error;
  }
}

async function openLocalInput(path: string, options: InputOptions): Promise<{ input: OpenedInput; close: () => Promise<void> }> {
  const opened = await openInputs(path, options);
  const { inputs } = opened;
  if (options.page !== undefined) {
    if (options.page > inputs.length || inputs.length === 1) {
      await opened.close();
      throw new UsageError(`--page ${options.page}: ${path} has ${inputs.length === 1 ? 'one page' : `${inputs.length} pages`}`);
    }
    return { input: inputs[options.page - 1]!, close: opened.close };
  }
  if (inputs.length > 1) {
    await opened.close();
    throw new UsageError(`${path} has ${inputs.length} pages (${inputs[0]!.part!.replace(/\d+$/, '')}s): give --stack to run them as one array, one below the other, or --page n to run one`);
  }
  return { input: inputs[0]!, close: opened.close };
}

export interface InputRun {
  result: RunResult;
  /** Whether the map's output was already written (streamed to --out); else result.output holds it. */
  written: boolean;
  streamed: boolean;
}

/**
 * Runs a kernel on an opened input: in memory when it is small (the same run as before), else
 * streamed from disk with a map's output written band by band to --out (.npy), or gathered when
 * the output is small enough to encode whole (PNG, TIFF). The input reader's notes join the run's.
 */
export async function runOnInput(kernel: AnyKernel, input: OpenedInput, params: unknown, runOptions: RunOptions, options: { stream: boolean; out?: string }): Promise<InputRun> {
  const withNotes = (result: RunResult): RunResult => ({ ...result, notes: [...input.notes, ...result.notes] });
  const stream = options.stream || sourceBytes(input.source) > STREAM_THRESHOLD_BYTES;
  if (!stream) {
    const view = await loadWhole(input.source);
    return { result: withNotes(await runKernel(kernel, view, params, runOptions)), written: false, streamed: false };
  }
  let writer: StreamedNpyWriter | undefined;
  let sink: OutputSink | undefined;
  if (kernel.kind === 'map' && options.out !== undefined && extname(options.out).toLowerCase() === '.npy') {
    const out = options.out;
    sink = {
      open: async (shape) => {
        writer = await StreamedNpyWriter.create(out, shape);
      },
      write: (y0, band, from, rows) => writer!.writeRows(y0, band, from, rows),
    };
  } else if (kernel.kind === 'map') {
    const shape = kernel.output({ ...input.source, buffer: new SharedArrayBuffer(0), byteOffset: 0 }, params);
    if (byteLength(shape) > MAX_GATHERED_OUTPUT_BYTES) {
      throw new UsageError(
        `${input.name}: the output (${shape.height}x${shape.width}x${shape.channels} ${shape.dtype}, ${(byteLength(shape) / 2 ** 30).toFixed(1)} GiB) is too large to hold in memory${options.out === undefined ? '' : ` and ${extname(options.out)} cannot be written band by band`}: give --out file.npy, which is written as the bands finish`,
      );
    }
  }
  try {
    const result = await runKernelStreamed(kernel, input.source, params, { ...runOptions, ...(sink ? { sink } : {}) });
    await writer?.commit();
    return { result: withNotes(result), written: writer !== undefined, streamed: true };
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}
