/**
 * A file larger than anyone would hold in memory, run by tile-stats streamed from disk: peak
 * resident memory (VmHWM) and throughput, against the in-memory run of a smaller file in the same
 * command. Each run is a child process of its own, so each peak is that run's alone.
 *
 *   npm run bench:large                          # a 4 GiB u16 raw file, and a 256 MiB one in memory
 *   npm run bench:large -- --gib 8 --small-mib 512 --devices cpu --json
 *
 * The files are written to the system temporary directory (checked for free space first) and
 * deleted afterwards. The large file is read through the page cache when memory allows it: the
 * figure is the engine's throughput, not the disk's. On a shared machine figures are orders of magnitude.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getKernel } from '../kernels/index.js';
import { parseDeviceSelection } from '../src/devices/select.js';
import { RawFileSource } from '../src/io/raw-source.js';
import { loadWhole } from '../src/io/row-source.js';
import { runKernel } from '../src/run.js';
import { runKernelStreamed } from '../src/run-streamed.js';

const { values: flags } = parseArgs({
  options: {
    gib: { type: 'string', default: '4' },
    'small-mib': { type: 'string', default: '256' },
    width: { type: 'string', default: '16384' },
    devices: { type: 'string', default: 'cpu' },
    json: { type: 'boolean', default: false },
    // Internal: run one measurement in this (child) process.
    child: { type: 'string' },
    path: { type: 'string' },
    height: { type: 'string' },
  },
});
const width = Number(flags.width);

/** Peak resident set of this process so far, in bytes (worker threads included: they share it). */
function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

interface Measurement {
  mode: string;
  bytes: number;
  seconds: number;
  passes: number;
  gigabytesPerSecond: number;
  peakRssBytes: number;
  baselineRssBytes: number;
  bands?: number;
}

async function child(mode: string, path: string, height: number): Promise<Measurement> {
  const source = new RawFileSource(path, { dtype: 'u16', height, width, channels: 1, offset: 0, bigEndian: false });
  const kernel = getKernel('tile-stats');
  const params = { bins: 256, range: null };
  const baselineRssBytes = peakRss();
  const started = performance.now();
  const options = { selection: parseDeviceSelection(flags.devices!), models: false as const };
  let passes: number;
  let bands: number | undefined;
  if (mode === 'streamed') {
    const result = await runKernelStreamed(kernel, source, params, options);
    passes = result.passes;
    bands = result.bands;
  } else {
    // In memory: read whole (as tilerun does for small files), then run.
    const view = await loadWhole(source);
    passes = (await runKernel(kernel, view, params, options)).passes;
  }
  const seconds = (performance.now() - started) / 1000;
  const bytes = height * width * 2;
  return { mode, bytes, seconds, passes, gigabytesPerSecond: (bytes * passes) / seconds / 1e9, peakRssBytes: peakRss(), baselineRssBytes, ...(bands === undefined ? {} : { bands }) };
}

/** Writes a u16 file of pseudo-random rows in 64 MiB chunks (never the whole file in memory). */
function writeFile(path: string, bytes: number): void {
  const chunk = Buffer.alloc(64 * 2 ** 20);
  let seed = 12345;
  for (let i = 0; i < chunk.length; i += 4) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    chunk.writeUInt32LE(seed, i);
  }
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      // Vary each chunk a little so bands are not identical.
      chunk[written % chunk.length] = (written / chunk.length) & 0xff;
      writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
    }
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  if (flags.child !== undefined) {
    process.stdout.write(JSON.stringify(await child(flags.child, flags.path!, Number(flags.height))) + '\n');
    process.exit(0);
  }
  const rowBytes = width * 2;
  const largeHeight = Math.floor((Number(flags.gib) * 2 ** 30) / rowBytes);
  const smallHeight = Math.floor((Number(flags['small-mib']) * 2 ** 20) / rowBytes);
  const directory = mkdtempSync(join(tmpdir(), 'tilerun-bench-large-'));
  const free = (() => {
    const stats = statfsSync(directory);
    return stats.bavail * stats.bsize;
  })();
  const needed = (largeHeight + smallHeight) * rowBytes;
  if (free < needed * 1.1) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`${directory}: ${(free / 2 ** 30).toFixed(1)} GiB free, the bench needs ${(needed / 2 ** 30).toFixed(1)} GiB: use --gib`);
  }
  // execArgv carries a loader (tsx) when the bench runs from source.
  const self = fileURLToPath(import.meta.url);
  const results: Measurement[] = [];
  try {
    const large = join(directory, 'large.u16');
    const small = join(directory, 'small.u16');
    writeFile(large, largeHeight * rowBytes);
    writeFile(small, smallHeight * rowBytes);
    for (const [mode, path, height] of [
      ['in-memory', small, smallHeight],
      ['streamed', small, smallHeight],
      ['streamed', large, largeHeight],
    ] as const) {
      const run = spawnSync(process.execPath, [...process.execArgv, self, '--child', mode, '--path', path, '--height', String(height), '--width', String(width), '--devices', flags.devices!], { encoding: 'utf8', timeout: 1_800_000 });
      if (run.status !== 0) throw new Error(`${mode} run of ${path} failed (${run.status ?? run.signal}): ${run.stderr}`);
      results.push(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Measurement);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify({ width, devices: flags.devices, results }, null, 2) + '\n');
    return;
  }
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(`tile-stats (bins 256, so 2 passes) over u16 raw files ${width} wide on --devices ${flags.devices}; peak RSS is VmHWM of the run's own process`);
  console.log('mode        file        passes  seconds   GB/s  peak RSS  (at start)  bands');
  for (const r of results) {
    console.log(
      `${r.mode.padEnd(11)} ${mib(r.bytes).padStart(9)}  ${String(r.passes).padStart(6)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.gigabytesPerSecond.toFixed(2).padStart(5)}  ${mib(r.peakRssBytes).padStart(8)}  ${mib(r.baselineRssBytes).padStart(10)}  ${r.bands ?? '-'}`,
    );
  }
}

await main();
