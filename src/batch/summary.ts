import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { toJson } from '../io/json.js';
import { SUMMARY_CSV, SUMMARY_JSON } from './output-names.js';

/**
 * What happened to one input: `ok` (run now), `skipped` (finished by an earlier run of the same
 * command: --resume), `failed` (with the reason), `not run` (a --fail-fast stop or Ctrl-C came first).
 */
export type InputStatus = 'ok' | 'skipped' | 'failed' | 'not run';

export interface SummaryRow {
  input: string;
  status: InputStatus;
  /** Relative to the output directory; null where nothing was written. */
  output: string | null;
  error: string | null;
  dtype: string | null;
  height: number | null;
  width: number | null;
  channels: number | null;
  /** Bytes of the decoded array (what the kernel read per pass). */
  bytes: number | null;
  tiles: number | null;
  passes: number | null;
  seconds: number | null;
  gigabytesPerSecond: number | null;
  /** Tiles each device ran: "cpu:12 webgpu:vulkan:4". */
  devices: string | null;
}

const COLUMNS: readonly (keyof SummaryRow)[] = [
  'input', 'status', 'output', 'error', 'dtype', 'height', 'width', 'channels', 'bytes', 'tiles', 'passes', 'seconds', 'gigabytesPerSecond', 'devices',
];

export function emptyRow(input: string, status: InputStatus, error: string | null = null): SummaryRow {
  return { input, status, output: null, error, dtype: null, height: null, width: null, channels: null, bytes: null, tiles: null, passes: null, seconds: null, gigabytesPerSecond: null, devices: null };
}

/** RFC 4180: quote a field holding a comma, quote, or line break; double its quotes. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function summaryCsv(rows: readonly SummaryRow[]): string {
  return [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((column) => csvField(row[column])).join(','))].join('\n') + '\n';
}

export interface BatchTotals {
  inputs: number;
  ok: number;
  skipped: number;
  failed: number;
  notRun: number;
  bytes: number;
  seconds: number;
}

export function totalsOf(rows: readonly SummaryRow[], seconds: number): BatchTotals {
  const count = (status: InputStatus) => rows.filter((row) => row.status === status).length;
  return {
    inputs: rows.length,
    ok: count('ok'),
    skipped: count('skipped'),
    failed: count('failed'),
    notRun: count('not run'),
    bytes: rows.filter((row) => row.status === 'ok').reduce((sum, row) => sum + (row.bytes ?? 0) * (row.passes ?? 1), 0),
    seconds,
  };
}

/** Writes summary.json (totals, the options, every input) and summary.csv (every input), each atomically. */
export async function writeSummary(outDir: string, rows: readonly SummaryRow[], header: Record<string, unknown>, seconds: number): Promise<void> {
  const document = { tool: 'tilerun', ...header, totals: totalsOf(rows, seconds), inputs: rows };
  await writeFileAtomic(join(outDir, SUMMARY_JSON), toJson(document) + '\n');
  await writeFileAtomic(join(outDir, SUMMARY_CSV), summaryCsv(rows));
}
