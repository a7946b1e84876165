import type { TileStatsDocument } from '../../kernels/tile-stats/output.js';
import { formatBytes, formatNumber, padTable } from './format.js';

const TILES_SHOWN = 12;

/** The human-readable summary `tilerun stats` and `tilerun demo` print on a terminal. */
export function tileStatsSummary(doc: TileStatsDocument): string {
  const { array, grid } = doc;
  const lines: string[] = [];
  const range = doc.params.range ? ` over ${formatNumber(doc.params.range.lo)}..${formatNumber(doc.params.range.hi)}` : '';
  lines.push(
    `${doc.input}: ${array.height}x${array.width}x${array.channels} ${array.dtype} (${formatBytes(array.bytes)}), ` +
      `${grid.count} tile${grid.count === 1 ? '' : 's'} of ${grid.tileHeight}x${grid.tileWidth} (${grid.rows}x${grid.cols}), ` +
      `histogram ${doc.params.bins} bins${range}`,
  );
  lines.push('', 'Whole array');
  const header = ['channel', 'min', 'max', 'mean', 'std', 'sum', 'sum of squares', 'NaN', '+Inf', '-Inf'];
  lines.push(
    padTable([
      header,
      ...doc.whole.map((r, c) => [
        String(c), formatNumber(r.min), formatNumber(r.max), formatNumber(r.mean), formatNumber(r.std),
        formatNumber(r.sum), formatNumber(r.sumSq), String(r.nanCount), String(r.posInfCount), String(r.negInfCount),
      ]),
    ]),
  );
  const shown = doc.tiles.slice(0, TILES_SHOWN);
  lines.push('', `Per tile${doc.tiles.length > shown.length ? ` (first ${shown.length} of ${doc.tiles.length}; --json or --out for all)` : ''}`);
  const tileRows = [['tile', 'y', 'x', 'size', 'channel', 'min', 'max', 'mean', 'std', 'NaN']];
  for (const tile of shown) {
    tile.channels.forEach((r, c) =>
      tileRows.push([
        String(tile.index), String(tile.y), String(tile.x), `${tile.height}x${tile.width}`, String(c),
        formatNumber(r.min), formatNumber(r.max), formatNumber(r.mean), formatNumber(r.std), String(r.nanCount),
      ]),
    );
  }
  lines.push(padTable(tileRows));
  lines.push('', 'Devices');
  const deviceRows = [['device', 'tiles', 'share', 'bytes', 'batches', 'busy s', 'GB/s', 'description']];
  const totalTiles = doc.devices.reduce((sum, d) => sum + d.tiles, 0);
  for (const d of doc.devices) {
    deviceRows.push([
      d.id, String(d.tiles), `${totalTiles ? Math.round((100 * d.tiles) / totalTiles) : 0}%`, formatBytes(d.bytes),
      String(d.batches), d.busySeconds.toFixed(3), (d.bytesPerSecond / 1e9).toFixed(2), d.description + (d.software ? ' [software]' : ''),
    ]);
  }
  lines.push(padTable(deviceRows));
  for (const note of doc.notes) lines.push(`note: ${note}`);
  lines.push(
    '',
    `${doc.passes} pass${doc.passes === 1 ? '' : 'es'} in ${doc.seconds.toFixed(3)} s, ${doc.gigabytesPerSecond.toFixed(2)} GB/s`,
  );
  return lines.join('\n');
}
