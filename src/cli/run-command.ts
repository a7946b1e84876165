import { getKernel } from '../../kernels/index.js';
import { loadKernelModule, looksLikeModulePath } from '../../kernels/load-module.js';
import { parseParams } from '../../kernels/params.js';
import { tileStatsDocument, type TileStatsRun } from '../../kernels/tile-stats/output.js';
import type { AnyKernel } from '../../kernels/types.js';
import { byteLength, type ArrayView } from '../array/array-view.js';
import { parseDeviceSelection, type DeviceSelection } from '../devices/select.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { toJson } from '../io/json.js';
import { loadWhole, shapeOnlyView } from '../io/row-source.js';
import type { StreamedResult } from '../run-streamed.js';
import { parseInputFlags, type InputFlags, type InputOptions } from './input-flags.js';
import { openOneInput, runOnInput, type InputRun } from './input-run.js';
import { ARRAY_EXTENSIONS, checkArrayFormat, writeArray } from '../io/write-array.js';
import { checkDistinctPaths, checkOutputPath } from './output-path.js';
import { parsePositiveInteger } from './options.js';
import { parseScheduleFlags, reportingFailures, reportSchedule, type ScheduleChoices, type ScheduleFlags } from './schedule-flags.js';
import { blameModule, checkOutputShape, type RunResult } from '../run.js';
import type { DistributedOptions } from '../distributed/coordinator.js';
import { parseRemoteFlags, type RemoteFlags } from './distributed-command.js';
import { withRuntime, type RuntimeFlags } from './runtime-flags.js';
import { formatBytes } from './format.js';
import { terminalProgress } from './progress.js';
import { tileStatsSummary } from './tile-stats-summary.js';

/** The flags of `tilerun run` as commander hands them over. */
export interface RunFlags extends ScheduleFlags, InputFlags, RemoteFlags, RuntimeFlags {
  kernel?: string;
  param: string[];
  out?: string;
  tile?: string;
  devices: string;
  threads?: string;
  json?: boolean;
}

interface RunCommandOptions {
  kernel: AnyKernel;
  kernelArgument: string;
  input: string;
  params: Record<string, unknown>;
  out?: string;
  tile?: number;
  threads?: number;
  selection: DeviceSelection;
  json: boolean;
  schedule: ScheduleChoices;
  remote?: DistributedOptions;
  inputOptions: InputOptions;
}

/** A built-in kernel by name, or a user's module by path. */
export async function resolveKernel(text: string): Promise<AnyKernel> {
  return looksLikeModulePath(text) ? loadKernelModule(text) : getKernel(text);
}

/**
 * Checks everything that can be checked before reading the input: the kernel (a module is
 * imported and its shape checked), its parameters, the flags and the output path.
 */
export async function parseRunArguments(first: string, second: string | undefined, flags: RunFlags): Promise<RunCommandOptions> {
  let kernelArgument: string;
  let input: string;
  if (flags.kernel !== undefined) {
    if (second !== undefined) throw new UsageError(`with --kernel ${flags.kernel}, give only the input file (got '${first}' and '${second}')`);
    kernelArgument = flags.kernel;
    input = first;
  } else {
    if (second === undefined) throw new UsageError(`missing input file: tilerun run <kernel> <input> (or --kernel ./module.js <input>)`);
    kernelArgument = first;
    input = second;
  }
  const kernel = await resolveKernel(kernelArgument);
  const params = parseParams(kernel.name, kernel.params, flags.param);
  const options: RunCommandOptions = {
    kernel,
    kernelArgument,
    input,
    params,
    selection: withRuntime(parseDeviceSelection(flags.devices), flags),
    json: flags.json === true,
    schedule: await parseScheduleFlags(flags),
    inputOptions: parseInputFlags(flags),
  };
  if (flags.tile !== undefined) options.tile = parsePositiveInteger('--tile', flags.tile, 1 << 20);
  if (flags.threads !== undefined) options.threads = parsePositiveInteger('--threads', flags.threads, 1024);
  if (flags.out !== undefined) {
    await checkOutputPath('--out', flags.out, kernel.kind === 'map' ? ARRAY_EXTENSIONS : ['.json']);
    options.out = flags.out;
  }
  checkDistinctPaths(input, { '--out': options.out, '--trace': options.schedule.trace });
  const remote = parseRemoteFlags(flags, input);
  if (remote) options.remote = remote;
  return options;
}

/** Parameters and output format checked against the input, before any tile runs. */
export function checkAgainstInput(options: RunCommandOptions, view: ArrayView): void {
  options.kernel.validateParams(view, options.params);
  if (options.kernel.kind === 'map') {
    const shape = options.kernel.output(view, options.params);
    checkOutputShape(options.kernel, view, shape);
    if (options.out !== undefined) checkArrayFormat(options.out, shape.dtype, shape.channels, byteLength(shape));
  }
}

/** What `run --json` prints and `-o file.json` holds for a reduction. */
export function reductionDocument(result: RunResult, input: string): unknown {
  if (result.kernel === 'tile-stats') return tileStatsDocument(result as TileStatsRun, input);
  return {
    tool: 'tilerun',
    kernel: result.kernel,
    input,
    array: result.array,
    params: result.params,
    grid: { tileHeight: result.grid.tileHeight, tileWidth: result.grid.tileWidth, rows: result.grid.rows, cols: result.grid.cols, count: result.grid.count },
    whole: result.whole,
    tiles: result.partials.map((partial, index) => ({ index, result: partial })),
    devices: result.devices,
    passes: result.passes,
    seconds: result.seconds,
    gigabytesPerSecond: (result.array.bytes * result.passes) / result.seconds / 1e9,
    notes: result.notes,
  };
}

function mapDocument(result: RunResult, options: RunCommandOptions): unknown {
  // A streamed run's output went to its file band by band: only its shape is in memory.
  const output = result.output ?? (result as StreamedResult).outputShape!;
  return {
    tool: 'tilerun',
    kernel: result.kernel,
    input: options.input,
    array: result.array,
    params: result.params,
    output: { path: options.out ?? null, dtype: output.dtype, height: output.height, width: output.width, channels: output.channels },
    grid: { tileHeight: result.grid.tileHeight, tileWidth: result.grid.tileWidth, rows: result.grid.rows, cols: result.grid.cols, count: result.grid.count, halo: result.grid.halo },
    devices: result.devices,
    passes: result.passes,
    seconds: result.seconds,
    gigabytesPerSecond: (result.array.bytes * result.passes) / result.seconds / 1e9,
    notes: result.notes,
  };
}

/** Throughput for people: GB/s, or MB/s where GB/s would round to nothing. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1e8) return `${(bytesPerSecond / 1e9).toFixed(2)} GB/s`;
  if (bytesPerSecond >= 1e5) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
  return `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`;
}

function devicesLine(result: RunResult): string {
  return result.devices
    .filter((device) => device.tiles > 0)
    .map((device) => `${device.id} ${device.tiles} tiles (${formatRate(device.bytesPerSecond)})`)
    .join(', ');
}

/** `tilerun run`: reads, checks, runs, then writes the output atomically. */
export async function runCommand(first: string, second: string | undefined, flags: RunFlags): Promise<void> {
  const options = await parseRunArguments(first, second, flags);
  const { input, close } = await openOneInput(options.input, options.inputOptions);
  const progress = terminalProgress(!options.json);
  let run: InputRun;
  const title = `tilerun run ${options.kernelArgument} ${options.input}`;
  try {
    try {
      checkAgainstInput(options, shapeOnlyView(input.source));
    } catch (error) {
      throw blameModule(options.kernel, error);
    }
    run = await reportingFailures(
      () =>
        options.remote
          ? loadWhole(input.source).then(async (view) => {
              // BullMQ and ioredis load with the coordinator (~270 ms): only here, not at start-up.
              const { runDistributed } = await import('../distributed/coordinator.js');
              return {
                result: await runDistributed(options.kernel, view, options.params, { ...options.remote!, ...(options.tile === undefined ? {} : { tile: options.tile }) }),
                written: false,
                streamed: false,
              };
            })
          : runOnInput(
          options.kernel,
          input,
          options.params,
          {
            selection: options.selection,
            ...(options.tile === undefined ? {} : { tile: options.tile }),
            ...(options.threads === undefined ? {} : { threads: options.threads }),
            onProgress: progress.update,
            recalibrate: options.schedule.recalibrate,
          },
          { stream: options.inputOptions.stream, ...(options.out === undefined ? {} : { out: options.out }) },
        ),
      options.schedule,
      title,
    );
  } finally {
    progress.done();
    await close();
  }
  const result = run.result;
  const document = result.kind === 'map' ? mapDocument(result, options) : reductionDocument(result, input.name);
  if (options.out !== undefined) {
    if (result.kind === 'map') {
      if (!run.written) await writeArray(options.out, result.output!);
    }
    else await writeFileAtomic(options.out, toJson(document) + '\n');
  }
  if (options.json) {
    process.stdout.write(toJson(document) + '\n');
    await reportSchedule(result.schedule, options.schedule, title, true);
    return;
  }
  const { array } = result;
  const lines: string[] = [];
  if (result.kernel === 'tile-stats') lines.push(tileStatsSummary(document as ReturnType<typeof tileStatsDocument>));
  else {
    lines.push(
      `${input.name}: ${array.height}x${array.width}x${array.channels} ${array.dtype} (${formatBytes(array.bytes)}), ` +
        `kernel ${result.kernel}, ${result.grid.count} tile${result.grid.count === 1 ? '' : 's'} of ${result.grid.tileHeight}x${result.grid.tileWidth}` +
        (result.grid.halo > 0 ? ` with a ${result.grid.halo}-element halo` : ''),
    );
    if (result.kind === 'map') {
      const output = result.output ?? (result as StreamedResult).outputShape!;
      lines.push(`output: ${output.height}x${output.width}x${output.channels} ${output.dtype}${options.out === undefined ? ' (not written: give --out file.npy|.png|.tif to keep it)' : ''}`);
    } else {
      const whole = toJson(result.whole);
      lines.push(whole.length <= 2000 ? `whole array: ${whole}` : 'whole array: (large; --json or --out file.json for all of it)');
    }
    lines.push(
      `${result.passes} pass${result.passes === 1 ? '' : 'es'} in ${result.seconds.toFixed(2)} s, ` +
        `${formatRate((array.bytes * result.passes) / result.seconds)} on ${devicesLine(result)}`,
    );
    for (const note of result.notes) lines.push(`note: ${note}`);
  }
  if (options.out !== undefined) lines.push(`wrote ${options.out}`);
  process.stdout.write(lines.join('\n') + '\n');
  await reportSchedule(result.schedule, options.schedule, title, false);
}
