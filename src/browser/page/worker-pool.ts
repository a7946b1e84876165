import type { AnyKernel } from '../../../kernels/types.js';
import type { BatchJob, BatchTiming, Device, DeviceInfo } from '../../devices/device.js';
import type { Tile } from '../../tiling/tile.js';
import type { WorkerReply, WorkerRequest } from './worker-main.js';
import { browser, type WorkerLike } from './browser-globals.js';

/** How long a worker may take to start and load the kernels module. */
const READY_TIMEOUT_MS = 30_000;

interface PoolWorker {
  readonly worker: WorkerLike;
  /** Settles the batch in flight on this worker. */
  pending: ((reply: WorkerReply) => void) | null;
}

/**
 * The page's CPU device: a pool of Web Workers running kernels' CPU implementations, like the
 * piscina pool in Node. Input and output arrays are SharedArrayBuffers (the page is
 * cross-origin isolated), so workers read and write them without a copy.
 */
export class WorkerPoolDevice implements Device {
  readonly concurrency: number;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  private readonly idle: PoolWorker[] = [];
  private readonly waiting: ((worker: PoolWorker) => void)[] = [];

  private constructor(
    private readonly workers: PoolWorker[],
    readonly info: DeviceInfo,
  ) {
    this.concurrency = workers.length;
    this.idle.push(...workers);
  }

  static async open(workerUrl: string, threads: number, wasm: object | null): Promise<WorkerPoolDevice> {
    const workers: PoolWorker[] = [];
    try {
      const labels = await Promise.all(
        Array.from({ length: threads }, async () => {
          const entry: PoolWorker = { worker: new browser.Worker(workerUrl, { type: 'module' }), pending: null };
          workers.push(entry);
          listen(entry);
          const reply = await send(entry, { type: 'init', wasm }, READY_TIMEOUT_MS);
          if (reply.type !== 'ready') throw new Error(reply.type === 'error' ? reply.message : 'worker did not start');
          return reply.wasm;
        }),
      );
      return new WorkerPoolDevice(workers, {
        id: 'cpu',
        kind: 'cpu',
        description: `Web Worker pool, ${threads} worker${threads === 1 ? '' : 's'}, ${labels[0]}`,
        software: false,
        threads,
      });
    } catch (error) {
      for (const entry of workers) entry.worker.terminate();
      throw error;
    }
  }

  supports(kernel: AnyKernel): boolean {
    return typeof kernel.cpu === 'function';
  }

  async run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    const entry = this.idle.pop() ?? (await new Promise<PoolWorker>((resolve) => this.waiting.push(resolve)));
    try {
      const start = performance.now();
      // No timeout here: a batch's time is the kernel's; the Node side times the whole batch out.
      const reply = await send(entry, { type: 'run', kernel: job.kernel.name, view: job.view, tiles: [...tiles], params: job.params, out: job.out ?? null }, null);
      if (reply.type === 'error') throw new Error(`Web Worker: ${reply.message}`);
      if (reply.type !== 'done') throw new Error('Web Worker answered out of turn');
      if (timing) timing.transferSeconds += Math.max(0, (performance.now() - start) / 1000 - reply.computeSeconds);
      return reply.results;
    } finally {
      const next = this.waiting.shift();
      if (next) next(entry);
      else this.idle.push(entry);
    }
  }

  async close(): Promise<void> {
    for (const entry of this.workers) entry.worker.terminate();
  }
}

function listen(entry: PoolWorker): void {
  entry.worker.onmessage = (event) => {
    const settle = entry.pending;
    entry.pending = null;
    settle?.(event.data as WorkerReply);
  };
  entry.worker.onerror = (event) => {
    const settle = entry.pending;
    entry.pending = null;
    settle?.({ type: 'error', message: event.message || 'the worker failed to load' });
  };
}

function send(entry: PoolWorker, request: WorkerRequest, timeoutMs: number | null): Promise<WorkerReply> {
  return new Promise((resolve) => {
    const timer =
      timeoutMs === null
        ? undefined
        : setTimeout(() => {
            entry.pending = null;
            resolve({ type: 'error', message: `no answer from a Web Worker within ${timeoutMs / 1000} s` });
          }, timeoutMs);
    entry.pending = (reply) => {
      clearTimeout(timer);
      resolve(reply);
    };
    entry.worker.postMessage(request);
  });
}
