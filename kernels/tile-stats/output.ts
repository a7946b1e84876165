import type { RunResult } from '../../src/run.js';
import { tileAt } from '../../src/tiling/tile-grid.js';
import type { TileStatsParams } from './params.js';
import type { TileStatsPartial } from './partial.js';
import { reportChannel, type ChannelReport } from './report.js';

export type TileStatsRun = RunResult<TileStatsParams, TileStatsPartial>;

export interface TileStatsDocument {
  tool: 'tilerun';
  kernel: 'tile-stats';
  input: string;
  array: TileStatsRun['array'];
  params: TileStatsParams;
  grid: { tileHeight: number; tileWidth: number; rows: number; cols: number; count: number };
  /** Statistics of the whole array, one entry per channel. */
  whole: ChannelReport[];
  tiles: { index: number; row: number; col: number; y: number; x: number; height: number; width: number; channels: ChannelReport[] }[];
  devices: TileStatsRun['devices'];
  passes: number;
  seconds: number;
  /** Input bytes per second of the whole run, in GB/s (10^9), all passes counted. */
  gigabytesPerSecond: number;
  notes: string[];
}

export function tileStatsDocument(result: TileStatsRun, input: string): TileStatsDocument {
  const { grid } = result;
  return {
    tool: 'tilerun',
    kernel: 'tile-stats',
    input,
    array: result.array,
    params: result.params,
    grid: { tileHeight: grid.tileHeight, tileWidth: grid.tileWidth, rows: grid.rows, cols: grid.cols, count: grid.count },
    whole: result.whole.channels.map(reportChannel),
    tiles: result.partials.map((partial, index) => {
      const { row, col, y, x, height, width } = tileAt(grid, index);
      return { index, row, col, y, x, height, width, channels: partial.channels.map(reportChannel) };
    }),
    devices: result.devices,
    passes: result.passes,
    seconds: result.seconds,
    gigabytesPerSecond: (result.array.bytes * result.passes) / result.seconds / 1e9,
    notes: result.notes,
  };
}

const CSV_COLUMNS = [
  'tile', 'row', 'col', 'y', 'x', 'height', 'width', 'channel', 'count', 'nan', 'pos_inf', 'neg_inf',
  'min', 'max', 'sum', 'sum_sq', 'mean', 'std', 'below', 'above',
] as const;

/** One row per (tile, channel), then one per channel of the whole array (tile "all"). */
export function tileStatsCsv(document: TileStatsDocument): string {
  const lines = [CSV_COLUMNS.join(',')];
  const row = (place: (string | number)[], c: number, r: ChannelReport): string =>
    [...place, c, r.count, r.nanCount, r.posInfCount, r.negInfCount, r.min, r.max, r.sum, r.sumSq, r.mean, r.std, r.below, r.above]
      .map(String)
      .join(',');
  for (const tile of document.tiles) {
    tile.channels.forEach((report, c) => lines.push(row([tile.index, tile.row, tile.col, tile.y, tile.x, tile.height, tile.width], c, report)));
  }
  const { array } = document;
  document.whole.forEach((report, c) => lines.push(row(['all', '', '', 0, 0, array.height, array.width], c, report)));
  return lines.join('\n') + '\n';
}
