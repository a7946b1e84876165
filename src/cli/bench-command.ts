/** `tilerun bench`: the flags, checked before any work, and where the results go. */
import type { Command } from 'commander';
import { DTYPES, parseDType } from '../array/dtype.js';
import { BENCH_KERNELS } from '../bench/cases.js';
import { runBench, type BenchOptions } from '../bench/bench.js';
import { formatBench } from '../bench/table.js';
import { DEVICE_CHOICES, parseDeviceSelection } from '../devices/select.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { benchReportHtml } from '../report/html.js';
import { parsePositiveInteger } from './options.js';
import { checkOutputPath } from './output-path.js';

export interface BenchFlags {
  kernel: string;
  size: string;
  tile: string;
  devices: string;
  dtype: string;
  repeats: string;
  threads?: string;
  bandwidthMib: string;
  json?: boolean;
  report?: string;
}

/** Largest generated input edge: 32768^2 f32 is 4 GiB, already more than a bench should hold. */
const MAX_SIZE = 32768;

function parseList(flag: string, text: string, max: number): number[] {
  const values = text.split(',').map((part) => parsePositiveInteger(flag, part.trim(), max));
  return [...new Set(values)];
}

export async function parseBenchFlags(flags: BenchFlags): Promise<BenchOptions & { json: boolean; report?: string }> {
  const kernels = [...new Set(flags.kernel.split(',').map((name) => name.trim()))];
  for (const name of kernels) {
    if (!BENCH_KERNELS.includes(name)) throw new UsageError(`--kernel: unknown kernel '${name}': accepted are ${BENCH_KERNELS.join(', ')} (comma-separated)`);
  }
  if (!(DTYPES as readonly string[]).includes(flags.dtype)) throw new UsageError(`--dtype: unknown dtype '${flags.dtype}': accepted are ${DTYPES.join(', ')}`);
  const options: BenchOptions & { json: boolean; report?: string } = {
    kernels,
    dtype: parseDType(flags.dtype),
    sizes: parseList('--size', flags.size, MAX_SIZE),
    tiles: parseList('--tile', flags.tile, 1 << 20),
    selection: parseDeviceSelection(flags.devices),
    devicesText: flags.devices,
    repeats: parsePositiveInteger('--repeats', flags.repeats, 100),
    bandwidthMiB: parsePositiveInteger('--bandwidth-mib', flags.bandwidthMib, 16384),
    json: flags.json === true,
  };
  if (flags.threads !== undefined) options.threads = parsePositiveInteger('--threads', flags.threads, 1024);
  if (flags.report !== undefined) {
    await checkOutputPath('--report', flags.report, ['.html', '.htm']);
    options.report = flags.report;
  }
  return options;
}

/** One line on stderr per step, redrawn in place, only when stderr is a terminal. */
function stepProgress(): { step: (text: string, done: number, total: number) => void; done: () => void } {
  if (!process.stderr.isTTY) return { step: () => {}, done: () => {} };
  return {
    step: (text, done, total) => process.stderr.write(`\r\x1b[2Kbench [${done + 1}/${total}] ${text}`),
    done: () => process.stderr.write('\r\x1b[2K'),
  };
}

export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure, on generated inputs, each device alone and all together for the chosen kernels and sizes, against this machine\'s memory bandwidth and the peers installed (C, numpy, dask, OpenCV)')
    .option('--kernel <list>', `kernels to measure: ${BENCH_KERNELS.join(', ')} (comma-separated)`, 'tile-stats')
    .option('--size <list>', 'square input edges, comma-separated', '2048,4096')
    .option('--tile <list>', 'square tile edges, comma-separated', '256,512')
    .option('--devices <list>', `devices to measure (each alone, then all together): ${DEVICE_CHOICES}`, 'auto')
    .option('--dtype <type>', `input element type: ${DTYPES.join(', ')}`, 'u8')
    .option('--repeats <n>', 'timed runs per configuration after a warm-up (the median is reported)', '5')
    .option('--threads <n>', 'CPU worker threads (default: all cores); the peers use as many')
    .option('--bandwidth-mib <n>', 'size of each array of the memory bandwidth measure, MiB', '256')
    .option('--json', 'print the results as JSON on stdout')
    .option('--report <file.html>', 'also write a self-contained HTML report with charts (atomically)')
    .action(async (flags: BenchFlags) => {
      const options = await parseBenchFlags(flags);
      const progress = stepProgress();
      let result;
      try {
        result = await runBench({ ...options, onStep: progress.step });
      } finally {
        progress.done();
      }
      if (options.report !== undefined) await writeFileAtomic(options.report, benchReportHtml(result));
      process.stdout.write(options.json ? JSON.stringify(result, null, 2) + '\n' : formatBench(result) + (options.report ? `\n\nreport: ${options.report}` : '') + '\n');
    });
}
