import type { Command } from 'commander';
import { DEVICE_CHOICES, openDevices, parseDeviceSelection } from '../devices/select.js';
import { checkRedisUrl } from '../distributed/connection.js';
import type { DistributedOptions } from '../distributed/coordinator.js';
import { KernelShelf } from '../distributed/kernel-names.js';
import { toJson } from '../io/json.js';
import { parsePositiveInteger } from './options.js';

/** The flags a kernel command (stats, run) takes to run on remote workers. */
export interface RemoteFlags {
  redis?: string;
  batchTiles?: string;
  jobTimeout?: string;
  sharedDir?: string;
}

export function addRemoteOptions(command: Command): Command {
  return command
    .option('--redis <url>', 'run on the tilerun workers of this Redis (redis://host:6379, rediss:// for TLS, redis://user:pass@host); the input must be a path or an http(s) URL every worker can read')
    .option('--batch-tiles <n>', 'with --redis: tiles per batch (default: sized from each worker\'s measured throughput)')
    .option('--job-timeout <seconds>', 'with --redis: fail if the run has not finished by then (default 3600)')
    .option('--shared-dir <dir>', "with --redis, map kernels: a directory every worker can write, where the output is assembled (default: the input's directory)");
}

/** The remote run the flags ask for, or undefined for a local run. */
export function parseRemoteFlags(flags: RemoteFlags, input: string): DistributedOptions | undefined {
  if (flags.redis === undefined) return undefined;
  return {
    url: checkRedisUrl(flags.redis),
    inputPath: input,
    ...(flags.batchTiles === undefined ? {} : { batchTiles: parsePositiveInteger('--batch-tiles', flags.batchTiles, 1 << 20) }),
    ...(flags.jobTimeout === undefined ? {} : { timeoutSeconds: parsePositiveInteger('--job-timeout', flags.jobTimeout, 7 * 24 * 3600) }),
    ...(flags.sharedDir === undefined ? {} : { sharedDir: flags.sharedDir }),
  };
}

interface WorkerFlags {
  redis: string;
  devices: string;
  concurrency: string;
  threads?: string;
  kernelModule: string[];
  lockSeconds: string;
}

export function addDistributedCommands(program: Command): void {
  program
    .command('worker')
    .description('serve a Redis job queue: register this machine\'s devices and run batches of tiles for `--redis` runs until stopped (Ctrl-C, SIGTERM)')
    .requiredOption('--redis <url>', 'the Redis to serve (redis://host:6379, rediss:// for TLS, redis://user:pass@host)')
    .option('--devices <list>', `devices to run on: ${DEVICE_CHOICES}`, 'auto')
    .option('--concurrency <n>', 'batches run at once', '1')
    .option('--threads <n>', 'CPU worker threads (default: all cores)')
    .option('--kernel-module <file>', 'a kernel module this worker may run (repeatable); jobs name it by name and file hash', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--lock-seconds <s>', 'a batch whose worker stops answering for this long is retried elsewhere', '30')
    .action(async (flags: WorkerFlags) => {
      checkRedisUrl(flags.redis);
      const concurrency = parsePositiveInteger('--concurrency', flags.concurrency, 256);
      const lockSeconds = parsePositiveInteger('--lock-seconds', flags.lockSeconds, 3600);
      const threads = flags.threads === undefined ? undefined : parsePositiveInteger('--threads', flags.threads, 1024);
      const shelf = await KernelShelf.load(flags.kernelModule);
      const opened = await openDevices(parseDeviceSelection(flags.devices), threads === undefined ? {} : { threads });
      const log = (line: string) => process.stderr.write(`tilerun worker: ${line}\n`);
      for (const note of opened.notes) log(note);
      let worker;
      try {
        // The distributed modules load BullMQ and ioredis (~270 ms): imported by the commands that use them, not at start-up.
        const { startWorker } = await import('../distributed/worker.js');
        worker = await startWorker({ url: flags.redis, devices: opened.devices, shelf, concurrency, lockMs: lockSeconds * 1000, log });
      } catch (error) {
        await Promise.allSettled(opened.devices.map((device) => device.close()));
        throw error;
      }
      // Serves until a signal: finishes (or hands back) the batches it holds, then leaves the registry.
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log('stopping');
      await worker.close();
      await Promise.allSettled(opened.devices.map((device) => device.close()));
    });

  program
    .command('status')
    .description('the queued, running, finished and failed batches and runs of a Redis, and its workers with their devices and throughput')
    .requiredOption('--redis <url>', 'the Redis to ask')
    .option('--json', 'print as JSON')
    .action(async (flags: { redis: string; json?: boolean }) => {
      const { clusterStatus, formatStatus } = await import('../distributed/status.js');
      const status = await clusterStatus(checkRedisUrl(flags.redis));
      process.stdout.write((flags.json ? toJson(status) : formatStatus(status)) + '\n');
    });
}
