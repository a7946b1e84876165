/**
 * Many small files: `tilerun stats` over N .npy files of 1-4 MiB (u8, random widths), three ways,
 * in the same command so their ratios share the machine's conditions:
 *
 * - loop: one `tilerun stats file --out file.json` process per file, one after another (what a
 *   shell loop does today: a process start, devices opened and closed, per file);
 * - batch --jobs 1: one `tilerun stats dir --out-dir` process, devices opened once, one input at a
 *   time (the cost of per-file set-up without overlap);
 * - batch --jobs 2 (and --jobs 4): inputs overlapped on the shared devices (the next input is read
 *   while the current one runs, and its batches fill the lanes the current one's tail leaves idle).
 *
 *   npm run bench:batch                                    # 200 files, cpu
 *   npm run bench:batch -- --files 60 --devices cpu,webgpu --loop-files 20 --json
 *
 * The loop runs on the first --loop-files files (default: all) and its rate is per file. GB/s
 * counts decoded input bytes (each file's array) per second of wall time, everything included.
 * Results are checked: every batch's per-file documents must equal the loop's.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allocateArray, elementsOf } from '../src/array/array-view.js';
import { encodeNpy } from '../src/io/npy.js';

const { values: flags } = parseArgs({
  options: {
    files: { type: 'string', default: '200' },
    'loop-files': { type: 'string' },
    devices: { type: 'string', default: 'cpu' },
    jobs: { type: 'string', default: '1,2,4' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const fileCount = Number(flags.files);
const loopCount = Math.min(fileCount, Number(flags['loop-files'] ?? fileCount));
const jobsList = flags.jobs.split(',').map(Number);
const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tilerun-bench-batch-'));
const inputDir = join(work, 'in');
mkdirSync(inputDir);

/** Files of 1 to 4 MiB: 1024 rows of a width from 1024 to 4096, pseudo-random bytes. */
const sizes: number[] = [];
let seed = 2024;
const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
for (let i = 0; i < fileCount; i++) {
  const width = 1024 + (next() % 3073);
  const view = allocateArray('u8', 1024, width, 1);
  const data = elementsOf(view);
  for (let k = 0; k < data.length; k += 4) {
    const word = next();
    data[k] = word & 255;
    data[k + 1] = (word >>> 8) & 255;
    data[k + 2] = (word >>> 16) & 255;
    data[k + 3] = word >>> 24;
  }
  writeFileSync(join(inputDir, `f${String(i).padStart(4, '0')}.npy`), encodeNpy(view));
  sizes.push(1024 * width);
}
const names = sizes.map((_, i) => `f${String(i).padStart(4, '0')}`);

function tilerun(args: string[]): void {
  const result = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 1_800_000, env: { ...process.env } });
  // Exit 0 only: a failed input would make the figures meaningless.
  if (result.status !== 0) throw new Error(`tilerun ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

interface Figure {
  way: string;
  files: number;
  seconds: number;
  filesPerSecond: number;
  gigabytesPerSecond: number;
}

function figure(way: string, files: number, seconds: number): Figure {
  const bytes = sizes.slice(0, files).reduce((a, b) => a + b, 0);
  return { way, files, seconds, filesPerSecond: files / seconds, gigabytesPerSecond: bytes / seconds / 1e9 };
}

/** The per-file documents minus what differs run to run (timings, devices, the path given). */
function comparable(path: string): string {
  const document = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ whole: document.whole, tiles: document.tiles });
}

const figures: Figure[] = [];
const loopOut = join(work, 'loop');
mkdirSync(loopOut);
let start = performance.now();
for (let i = 0; i < loopCount; i++) {
  tilerun(['stats', join(inputDir, `${names[i]}.npy`), '--devices', flags.devices, '--out', join(loopOut, `${names[i]}.json`)]);
}
figures.push(figure('loop: one process per file', loopCount, (performance.now() - start) / 1000));

for (const jobs of jobsList) {
  const out = join(work, `batch-${jobs}`);
  start = performance.now();
  tilerun(['stats', inputDir, '--out-dir', out, '--devices', flags.devices, '--jobs', String(jobs), '--json', '--quiet']);
  figures.push(figure(`batch --jobs ${jobs}`, fileCount, (performance.now() - start) / 1000));
  for (let i = 0; i < loopCount; i++) {
    if (comparable(join(out, `${names[i]}.json`)) !== comparable(join(loopOut, `${names[i]}.json`))) {
      throw new Error(`batch --jobs ${jobs}: ${names[i]} differs from the loop's result`);
    }
  }
}

const loopRate = figures[0]!.filesPerSecond;
const base = figures.find((f) => f.way === 'batch --jobs 1')?.filesPerSecond;
if (flags.json) {
  process.stdout.write(JSON.stringify({ files: fileCount, devices: flags.devices, bytes: sizes.reduce((a, b) => a + b, 0), figures }, null, 2) + '\n');
} else {
  const total = sizes.reduce((a, b) => a + b, 0);
  process.stdout.write(`${fileCount} files, ${(total / 2 ** 20).toFixed(0)} MiB of u8 (1-4 MiB each), tilerun stats --devices ${flags.devices}\n`);
  process.stdout.write(`${'way'.padEnd(30)} ${'files'.padStart(6)} ${'s'.padStart(8)} ${'files/s'.padStart(9)} ${'GB/s'.padStart(7)} ${'x loop'.padStart(7)}${base ? ' x jobs1'.padStart(9) : ''}\n`);
  for (const f of figures) {
    process.stdout.write(
      `${f.way.padEnd(30)} ${String(f.files).padStart(6)} ${f.seconds.toFixed(2).padStart(8)} ${f.filesPerSecond.toFixed(1).padStart(9)} ${f.gigabytesPerSecond.toFixed(3).padStart(7)} ${(f.filesPerSecond / loopRate).toFixed(2).padStart(7)}${base ? (f.filesPerSecond / base).toFixed(2).padStart(9) : ''}\n`,
    );
  }
  process.stdout.write('(results of every batch checked equal to the loop\'s; a shared machine: compare ratios, not absolute figures)\n');
}
if (!flags.keep) rmSync(work, { recursive: true, force: true });
