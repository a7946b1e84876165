import { getKernel } from '../../kernels/index.js';
import { tileStatsCsv, tileStatsDocument, type TileStatsDocument } from '../../kernels/tile-stats/output.js';
import { defaultTileStatsParams, MAX_BINS, parseRange, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import type { ArrayView } from '../array/array-view.js';
import { parseDeviceSelection, type DeviceSelection } from '../devices/select.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { toJson } from '../io/json.js';
import { runKernel, type RunResult } from '../run.js';
import type { DistributedOptions } from '../distributed/coordinator.js';
import { loadWhole, type OpenedInput } from '../io/row-source.js';
import { runOnInput } from './input-run.js';
import { withRuntime, type RuntimeFlags } from './runtime-flags.js';
import { parseScheduleFlags, reportingFailures, type ScheduleChoices, type ScheduleFlags } from './schedule-flags.js';
import { parseNonNegativeInteger, parsePositiveInteger } from './options.js';
import { checkOutputPath } from './output-path.js';
import type { InputFlags } from './input-flags.js';
import { terminalProgress } from './progress.js';
import { tileStatsSummary } from './tile-stats-summary.js';

/** The flags of `stats` and `demo` as commander hands them over. */
export interface StatsFlags extends ScheduleFlags, InputFlags, RuntimeFlags {
  tile?: string;
  devices: string;
  bins?: string;
  range?: string;
  threads?: string;
  json?: boolean;
  out?: string;
}

/** The same flags, checked. */
export interface StatsOptions {
  selection: DeviceSelection;
  tile?: number;
  threads?: number;
  bins?: number;
  range?: { lo: number; hi: number };
  json: boolean;
  out?: { path: string; format: 'json' | 'csv' };
  schedule: ScheduleChoices;
  /** Run on the workers of a Redis instead of this machine's devices. */
  remote?: DistributedOptions;
}

/** Checks every flag before any work starts, so a bad flag costs nothing and writes nothing. */
export async function parseStatsFlags(flags: StatsFlags): Promise<StatsOptions> {
  const options: StatsOptions = {
    selection: withRuntime(parseDeviceSelection(flags.devices), flags),
    json: flags.json === true,
    schedule: await parseScheduleFlags(flags),
  };
  if (flags.tile !== undefined) options.tile = parsePositiveInteger('--tile', flags.tile, 1 << 20);
  if (flags.threads !== undefined) options.threads = parsePositiveInteger('--threads', flags.threads, 1024);
  if (flags.bins !== undefined) options.bins = parseNonNegativeInteger('--bins', flags.bins, MAX_BINS);
  if (flags.range !== undefined) options.range = parseRange(flags.range);
  if (flags.out !== undefined) {
    const extension = await checkOutputPath('--out', flags.out, ['.json', '.csv']);
    options.out = { path: flags.out, format: extension === '.csv' ? 'csv' : 'json' };
  }
  return options;
}

/**
 * Runs tile-stats on an array in memory (the demo sample) or on an opened input, which is read
 * whole when small and streamed from disk when large (or with --stream).
 */
export async function runStats(
  data: ArrayView | { input: OpenedInput; stream: boolean },
  inputName: string,
  options: StatsOptions,
): Promise<{ document: TileStatsDocument; result: RunResult<TileStatsParams, TileStatsPartial> }> {
  const defaults = defaultTileStatsParams('buffer' in data ? data.dtype : data.input.source.dtype);
  // The kernel picks the default range itself (0..255 for u8, else the data's): the run's
  // parameters are then the same as `tilerun run tile-stats`, and so are its performance models.
  const params: TileStatsParams = { bins: options.bins ?? defaults.bins, range: options.range ?? null };
  const progress = terminalProgress(!options.json);
  try {
    const result = await reportingFailures(
      async () => {
        if (options.remote) {
          // Workers read the input themselves; the coordinator holds it whole for parameter checks and a first pass.
          const view = 'buffer' in data ? data : await loadWhole(data.input.source);
          // BullMQ and ioredis load with the coordinator (~270 ms): only here, not at start-up.
          const { runDistributed } = await import('../distributed/coordinator.js');
          return runDistributed<TileStatsParams, TileStatsPartial>(getKernel('tile-stats'), view, params, { ...options.remote, ...(options.tile === undefined ? {} : { tile: options.tile }) });
        }
        const runOptions = {
          selection: options.selection,
          ...(options.tile === undefined ? {} : { tile: options.tile }),
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          onProgress: progress.update,
          recalibrate: options.schedule.recalibrate,
        };
        if ('buffer' in data) return runKernel<TileStatsParams, TileStatsPartial>(getKernel('tile-stats'), data, params, runOptions);
        const run = await runOnInput(getKernel('tile-stats'), data.input, params, runOptions, { stream: data.stream });
        return run.result as RunResult<TileStatsParams, TileStatsPartial>;
      },
      options.schedule,
      `tilerun stats ${inputName}`,
    );
    return { document: tileStatsDocument(result, inputName), result };
  } finally {
    progress.done();
  }
}

/** Prints and writes a finished document as the options ask. */
export async function emitStats(document: TileStatsDocument, options: StatsOptions): Promise<void> {
  if (options.out !== undefined) {
    await writeFileAtomic(options.out.path, options.out.format === 'csv' ? tileStatsCsv(document) : toJson(document) + '\n');
  }
  if (options.json) {
    process.stdout.write(toJson(document) + '\n');
  } else {
    process.stdout.write(tileStatsSummary(document) + '\n');
    if (options.out !== undefined) process.stdout.write(`wrote ${options.out.path}\n`);
  }
}
