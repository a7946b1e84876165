import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DEVICE_CHOICES } from '../devices/select.js';
import { exitCodeOf } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeNpy } from '../io/npy.js';
import { addBenchCommand } from './bench-command.js';
import { STREAMED_INPUTS } from '../io/open-input.js';
import { addInputOptions, parseInputFlags } from './input-flags.js';
import { openOneInput } from './input-run.js';
import { demoSample } from './demo-sample.js';
import { devicesJson, formatDevices, listDevices } from './devices-command.js';
import { formatKernels, kernelsJson } from './kernels-command.js';
import { planCommand } from './plan-command.js';
import { addBatchOptions, BATCH_HELP, isBatchInvocation, runBatchCommand, statsBatch, type BatchFlags } from './batch-command.js';
import { runCommand, type RunFlags } from './run-command.js';
import { parsePositiveInteger } from './options.js';
import { checkDistinctPaths, checkOutputPath } from './output-path.js';
import { addScheduleOptions, reportSchedule } from './schedule-flags.js';
import { addDistributedCommands, addRemoteOptions, parseRemoteFlags, type RemoteFlags } from './distributed-command.js';
import { browserDevicesJson, formatBrowserDevices, listBrowserDevices } from './browser-devices.js';
import { addRuntimeOptions, parseRuntime, type RuntimeFlags } from './runtime-flags.js';
import { emitStats, parseStatsFlags, runStats, type StatsFlags } from './stats-command.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  internal error (a bug: please report it)
  2  bad usage or input (unknown flag or device, unreadable or unsupported file)
  3  device error (no WebGPU adapter where one was asked for, a failed GPU call)
  4  many inputs: the batch finished, but some inputs failed (summary.json names them)
  130  interrupted (Ctrl-C): finished results are kept; --resume does the rest`;

function version(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

function statsOptions(command: Command): Command {
  return addRuntimeOptions(addScheduleOptions(command))
    .option('--tile <size>', 'square tile edge in pixels (default: 512, fitted to the devices\' limits)')
    .option('--devices <list>', `devices to run on: ${DEVICE_CHOICES}`, 'auto')
    .option('--bins <n>', 'histogram bins (0 for none; default 256). u8 spans 0..255, others the data\'s range')
    .option('--range <lo:hi>', 'histogram range, inclusive (default: the data\'s min..max; 0:255 for u8)')
    .option('--threads <n>', 'CPU worker threads (default: all cores)')
    .option('--json', 'print the full result as JSON on stdout')
    .option('--out <file>', 'also write the result to a .json or .csv file (written atomically)');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tilerun')
    .description('Run microtask compute kernels over tiles of large arrays on every device this machine has (WebGPU, gpu.js and CPU worker threads).')
    .version(version())
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run tilerun --help for usage)')
    .exitOverride();

  addBatchOptions(
    addRemoteOptions(
      statsOptions(
        addInputOptions(
          program
            .command('stats')
            .description(`per-tile and whole-array statistics of input files (${STREAMED_INPUTS}); large files are read band by band from disk`)
            .argument('<inputs...>', 'input files, directories or quoted glob patterns (many need --out-dir)')
            .addHelpText('after', BATCH_HELP),
        ),
      ),
    ),
    'json, csv',
  ).action(async (inputs: string[], flags: StatsFlags & BatchFlags & RemoteFlags) => {
    if (await isBatchInvocation(inputs, flags)) return statsBatch(inputs, flags);
    const file = inputs[0]!;
    const options = await parseStatsFlags(flags);
    const remote = parseRemoteFlags(flags, file);
    if (remote) options.remote = remote;
    checkDistinctPaths(file, { '--out': options.out?.path, '--trace': options.schedule.trace });
    const inputOptions = parseInputFlags(flags);
    const { input, close } = await openOneInput(file, inputOptions);
    let ran;
    try {
      ran = await runStats({ input, stream: inputOptions.stream }, input.name, options);
    } finally {
      await close();
    }
    const { document, result } = ran;
    await emitStats(document, options);
    await reportSchedule(result.schedule, options.schedule, `tilerun stats ${file}`, options.json);
  });

  statsOptions(
    program
      .command('demo')
      .description('tile statistics of a built-in sample image (3000x4000 u8, generated), to see tilerun work')
      .addOption(new Option('--save <file.npy>', 'also save the sample as .npy, to run `tilerun stats` on it')),
  ).action(async (flags: StatsFlags & { save?: string }) => {
    const options = await parseStatsFlags({ ...flags, tile: flags.tile ?? '256' });
    if (flags.save !== undefined) await checkOutputPath('--save', flags.save, ['.npy']);
    checkDistinctPaths(undefined, { '--save': flags.save, '--out': options.out?.path, '--trace': options.schedule.trace });
    const view = demoSample();
    if (flags.save !== undefined) await writeFileAtomic(flags.save, encodeNpy(view));
    const { document, result } = await runStats(view, 'demo sample', options);
    await emitStats(document, options);
    await reportSchedule(result.schedule, options.schedule, 'tilerun demo', options.json);
  });

  program
    .command('run')
    .description(`run a kernel over an input file (${STREAMED_INPUTS}; large files are read band by band from disk): a built-in by name (see tilerun kernels) or your own module by path`)
    .argument('<kernel>', "a built-in kernel's name, or a kernel module such as ./my-kernel.js (or give --kernel and only the input)")
    .argument('[inputs...]', 'input files, directories or quoted glob patterns (many need --out-dir)')
    .addHelpText('after', BATCH_HELP)
    .option('--kernel <module>', 'a kernel module (.js, .mjs, .ts) to run instead of a built-in')
    .option('-p, --param <name=value>', 'a kernel parameter (repeatable; tilerun kernels lists them)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('-o, --out <file>', 'write the result: an array (.npy, .png, .tif) for map kernels, .json for reductions (atomically)')
    .option('--tile <size>', 'square tile edge in pixels (default: 512, fitted to the devices\' limits)')
    .option('--devices <list>', `devices to run on: ${DEVICE_CHOICES}`, 'auto')
    .option('--threads <n>', 'CPU worker threads (default: all cores)')
    .option('--json', 'print the result (reductions) or a run report (maps) as JSON on stdout');
  addInputOptions(program.commands.at(-1)!);
  addBatchOptions(addRuntimeOptions(addRemoteOptions(addScheduleOptions(program.commands.at(-1)!))), 'npy, png, tif for map kernels; json for reductions').action(
    async (first: string, rest: string[], flags: RunFlags & BatchFlags) => {
      const [kernelArgument, inputs] = flags.kernel !== undefined ? [flags.kernel, [first, ...rest]] : [first, rest];
      if (inputs.length > 0 && (await isBatchInvocation(inputs, flags))) return runBatchCommand(kernelArgument, inputs, flags);
      await runCommand(first, rest[0], flags);
    },
  );

  program
    .command('plan')
    .description('predict, from the stored performance models, how long a run would take on the chosen devices and how its tiles would split, without running it')
    .argument('<kernel>', "a built-in kernel's name, or a kernel module (or give --kernel and only the input)")
    .argument('[input]', 'input file')
    .option('--kernel <module>', 'a kernel module (.js, .mjs, .ts) instead of a built-in')
    .option('-p, --param <name=value>', 'a kernel parameter (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--tile <size>', "square tile edge in pixels (default: as a run would choose)")
    .option('--devices <list>', `devices to plan for: ${DEVICE_CHOICES}`, 'auto')
    .option('--threads <n>', 'CPU worker threads (default: all cores)')
    .option('--json', 'print the plan as JSON');
  // --runtime browser plans for the page's devices (their models are kept apart from Node's).
  addRuntimeOptions(program.commands.at(-1)!).action(async (first: string, second: string | undefined, flags: RunFlags) => {
    await planCommand(first, second, flags);
  });

  program
    .command('kernels')
    .description('list the built-in kernels, their backends and parameters')
    .option('--json', 'print as JSON')
    .action((flags: { json?: boolean }) => {
      process.stdout.write((flags.json ? kernelsJson() : formatKernels()) + '\n');
    });

  program
    .command('devices')
    .description('list the WebGPU adapters and the CPU pool tilerun can use, with the limits granted')
    .option('--json', 'print as JSON')
    .option('--threads <n>', 'CPU worker threads to report (default: all cores)');
  addRuntimeOptions(program.commands.at(-1)!).action(async (flags: { json?: boolean; threads?: string } & RuntimeFlags) => {
      const threads = flags.threads === undefined ? undefined : parsePositiveInteger('--threads', flags.threads, 1024);
      const runtime = parseRuntime(flags);
      if (runtime.kind === 'browser') {
        const report = await listBrowserDevices(runtime.executable, threads);
        process.stdout.write((flags.json ? browserDevicesJson(report) : formatBrowserDevices(report)) + '\n');
        return;
      }
      const report = await listDevices(threads);
      process.stdout.write((flags.json ? devicesJson(report) : formatDevices(report)) + '\n');
    });

  addBenchCommand(program);
  addDistributedCommands(program);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every parsing error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const code = exitCodeOf(error);
    const message = error instanceof Error ? (code === 1 ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`tilerun: error: ${message}\n`);
    return code;
  }
}
