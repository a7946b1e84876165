import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { kernelRef } from '../../kernels/load-module.js';
import { cpuKernelsLabel } from '../../kernels/wasm/choice.js';
import type { AnyKernel } from '../../kernels/types.js';
import { UsageError } from '../errors.js';
import type { Tile } from '../tiling/tile.js';
import type { CpuBatchResult, CpuBatchTask } from './cpu-worker.js';
import type { BatchJob, BatchTiming, Device, DeviceInfo } from './device.js';
import { unpackTypedArrays } from './typed-array-pack.js';

export interface CpuPoolOptions {
  /** Worker threads; defaults to the machine's available parallelism. */
  threads?: number;
}

/** Under vitest the sources run as TypeScript; compiled builds run the .js worker. */
function workerLocation(): { filename: string; execArgv: string[] } {
  const runningFromSource = import.meta.url.endsWith('.ts');
  const filename = new URL(`./cpu-worker${runningFromSource ? '.ts' : '.js'}`, import.meta.url).href;
  return { filename, execArgv: runningFromSource ? ['--import', 'tsx'] : [] };
}

/**
 * The CPU backend: a piscina pool of worker threads running kernels' CPU implementations. Each
 * batch is one task (tile descriptors plus the shared array), so the ~50-200 us per-task cost is
 * paid once per batch rather than once per tile.
 */
export class CpuPoolDevice implements Device {
  readonly info: DeviceInfo;
  readonly concurrency: number;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  private readonly pool: Piscina;
  /** Kernels every thread has loaded (a thread that dies is replaced by one that loads on first use). */
  private readonly warmed = new Set<string>();

  constructor(options: CpuPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 1024) {
      throw new UsageError(`--threads must be an integer from 1 to 1024, got ${threads}`);
    }
    const { filename, execArgv } = workerLocation();
    this.pool = new Piscina({
      filename,
      execArgv,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
    // Piscina reports on the pool's 'error' event what no task carries: a worker that fails while
    // idle, or a reply it cannot match to a task (seen once in a suite where two runs shared a
    // pool). An 'error' event nobody listens to ends the process; the pool goes on (it replaces
    // workers, and every task still settles or fails on its own), so this only warns.
    this.pool.on('error', (error: unknown) => {
      process.emitWarning(`CPU worker pool: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { code: 'TILERUN_CPU_POOL' });
    });
    this.concurrency = threads;
    this.info = {
      id: 'cpu',
      kind: 'cpu',
      description: `CPU worker pool, ${threads} thread${threads === 1 ? '' : 's'}, ${cpuKernelsLabel()}`,
      software: false,
      threads,
    };
  }

  /** Worker threads run kernels they can load themselves: built-ins and kernel modules. */
  supports(kernel: AnyKernel): boolean {
    return typeof kernel.cpu === 'function' && kernelRef(kernel) !== null;
  }

  /**
   * Loads the job's kernel on every thread before the pass (an empty batch each), so a module
   * that fails to load fails before any tile, and no batch's timing includes a thread's start-up.
   */
  async prepare(job: BatchJob): Promise<void> {
    const key = JSON.stringify(kernelRef(job.kernel));
    if (this.warmed.has(key)) return;
    await Promise.all(Array.from({ length: this.concurrency }, () => this.run(job, [])));
    this.warmed.add(key);
  }

  /** Transfer time here is the task's messaging: its round trip less the kernel's own time in the worker. */
  async run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    const task: CpuBatchTask = {
      kernel: kernelRef(job.kernel)!,
      view: job.view,
      tiles: [...tiles],
      params: job.params,
      ...(job.out ? { out: job.out } : {}),
    };
    const start = performance.now();
    const { results, computeSeconds } = (await this.pool.run(task)) as CpuBatchResult;
    const unpacked = unpackTypedArrays(results) as unknown[];
    if (timing) timing.transferSeconds += Math.max(0, (performance.now() - start) / 1000 - computeSeconds);
    return unpacked;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
