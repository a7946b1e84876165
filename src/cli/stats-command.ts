import { extname } from 'node:path';
import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import { getKernel } from '../../kernels/index.js';
import { tileStatsCsv, tileStatsDocument, type TileStatsDocument } from '../../kernels/tile-stats/output.js';
import { defaultTileStatsParams, MAX_BINS, parseRange, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import type { ArrayView } from '../array/array-view.js';
import { parseDeviceSelection } from '../devices/select.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { toJson } from '../io/json.js';
import { runKernel } from '../run.js';
import { parseNonNegativeInteger, parsePositiveInteger } from './options.js';
import { terminalProgress } from './progress.js';
import { tileStatsSummary } from './tile-stats-summary.js';

export interface StatsFlags {
  tile?: string;
  devices: string;
  bins?: string;
  range?: string;
  threads?: string;
  json?: boolean;
  out?: string;
}

const OUT_FORMATS = ['.json', '.csv'];

/** Everything checked before any work starts, so a bad flag costs nothing and writes nothing. */
export async function checkStatsFlags(flags: StatsFlags): Promise<void> {
  if (flags.out !== undefined) {
    const extension = extname(flags.out).toLowerCase();
    if (!OUT_FORMATS.includes(extension)) {
      throw new UsageError(`--out ${flags.out}: unsupported output format '${extension || '(none)'}': accepted are ${OUT_FORMATS.join(', ')}`);
    }
    try {
      await access(dirname(flags.out), constants.W_OK);
    } catch {
      throw new UsageError(`--out ${flags.out}: directory ${dirname(flags.out)} does not exist or is not writable`);
    }
  }
}

export async function runStats(view: ArrayView, inputName: string, flags: StatsFlags): Promise<TileStatsDocument> {
  const selection = parseDeviceSelection(flags.devices);
  const tile = flags.tile === undefined ? undefined : parsePositiveInteger('--tile', flags.tile, 1 << 20);
  const threads = flags.threads === undefined ? undefined : parsePositiveInteger('--threads', flags.threads, 1024);
  const defaults = defaultTileStatsParams(view.dtype);
  const params: TileStatsParams = {
    bins: flags.bins === undefined ? defaults.bins : parseNonNegativeInteger('--bins', flags.bins, MAX_BINS),
    range: flags.range === undefined ? defaults.range : parseRange(flags.range),
  };
  await checkStatsFlags(flags);
  const progress = terminalProgress(!flags.json);
  try {
    const result = await runKernel<TileStatsParams, TileStatsPartial>(getKernel('tile-stats'), view, params, {
      selection,
      ...(tile === undefined ? {} : { tile }),
      ...(threads === undefined ? {} : { threads }),
      onProgress: progress.update,
    });
    return tileStatsDocument(result, inputName);
  } finally {
    progress.done();
  }
}

/** Prints and writes a finished document as the flags ask. */
export async function emitStats(document: TileStatsDocument, flags: StatsFlags): Promise<void> {
  if (flags.out !== undefined) {
    const extension = extname(flags.out).toLowerCase();
    await writeFileAtomic(flags.out, extension === '.csv' ? tileStatsCsv(document) : toJson(document) + '\n');
  }
  if (flags.json) {
    process.stdout.write(toJson(document) + '\n');
  } else {
    process.stdout.write(tileStatsSummary(document) + '\n');
    if (flags.out !== undefined) process.stdout.write(`wrote ${flags.out}\n`);
  }
}
