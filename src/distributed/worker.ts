import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Device } from '../devices/device.js';
import { connectRedis } from './connection.js';
import { BATCH_QUEUE, MalformedJob, STITCH_QUEUE, validateBatchJob, validateStitchJob } from './job-schema.js';
import type { KernelShelf } from './kernel-names.js';
import { HEARTBEAT_MS, publishWorker, withdrawWorker, type WorkerRecord } from './registry.js';
import { BatchRunner, type BatchResult } from './run-batch.js';
import { stitchChildren } from './stitch-job.js';

export interface WorkerOptions {
  url: string;
  devices: readonly Device[];
  shelf: KernelShelf;
  /** Batches run at once (each is split among this worker's devices by the local scheduler). */
  concurrency: number;
  /** A batch whose worker stops renewing its lock for this long is taken back and retried elsewhere. */
  lockMs: number;
  id?: string;
  log?: (line: string) => void;
}

export interface RunningWorker {
  readonly id: string;
  close(): Promise<void>;
}

/** Turns a job that can never succeed into BullMQ's UnrecoverableError: no retries. */
function unrecoverable(error: unknown): unknown {
  return error instanceof MalformedJob ? new UnrecoverableError(error.message) : error;
}

/**
 * `tilerun worker`: registers this machine's devices and throughput, runs batches of tiles from
 * the batch queue with the local scheduler, and stitches finished runs from the stitch queue.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const redis: Redis = await connectRedis(options.url);
  const id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = options.log ?? (() => undefined);
  const runner = new BatchRunner(options.devices, options.shelf, id);
  const stitchQueue = new Queue(STITCH_QUEUE, { connection: redis });
  let active = 0;
  const startedAt = new Date().toISOString();
  const record = (): WorkerRecord => ({
    id,
    host: hostname(),
    pid: process.pid,
    startedAt,
    heartbeatAt: new Date().toISOString(),
    concurrency: options.concurrency,
    devices: options.devices.map((device) => ({
      id: device.info.id,
      kind: device.info.kind,
      description: device.info.description,
      software: device.info.software,
      ...(device.info.threads === undefined ? {} : { threads: device.info.threads }),
    })),
    kernels: options.shelf.names().map((kernel) => `${kernel.name}@${kernel.version}`),
    throughput: Object.fromEntries(
      [...runner.throughput].map(([kernel, t]) => [kernel, { bytesPerSecond: t.seconds > 0 ? t.bytes / t.seconds : 0, batches: t.batches, tiles: t.tiles }]),
    ),
    active,
  });
  const heartbeat = async () => {
    try {
      await publishWorker(redis, record());
    } catch (error) {
      log(`heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), HEARTBEAT_MS);

  const workerOptions = {
    connection: redis,
    lockDuration: options.lockMs,
    // Look for stalled jobs (their worker died) at the same pace as locks expire.
    stalledInterval: Math.max(500, Math.floor(options.lockMs / 2)),
    // A batch whose worker died once is retried; twice in a row, it fails (it may be what kills them).
    maxStalledCount: 2,
  };

  const batches = new Worker<unknown, BatchResult>(
    BATCH_QUEUE,
    async (job: Job) => {
      let data;
      try {
        data = validateBatchJob(job.data);
      } catch (error) {
        throw unrecoverable(error);
      }
      // A batch of a run that has already failed is cancelled rather than run.
      if (job.parent?.id !== undefined) {
        const state = await stitchQueue.getJobState(job.parent.id);
        if (state === 'failed' || state === 'unknown') throw new UnrecoverableError(`cancelled: run ${data.run} has failed or was removed`);
      }
      active++;
      log(`batch ${job.id}: starting tiles ${data.tiles.map(([first, end]) => `${first}..${end - 1}`).join(', ')}`);
      try {
        const result = await runner.run(data);
        log(`batch ${job.id}: ${result.tiles.length} tiles in ${result.seconds.toFixed(3)} s`);
        return result;
      } catch (error) {
        log(`batch ${job.id} failed (attempt ${job.attemptsMade + 1}): ${error instanceof Error ? error.message : String(error)}`);
        throw unrecoverable(error);
      } finally {
        active--;
        void heartbeat();
      }
    },
    { ...workerOptions, concurrency: options.concurrency },
  );
  const stitches = new Worker(
    STITCH_QUEUE,
    async (job: Job) => {
      try {
        const data = validateStitchJob(job.data);
        return await stitchChildren(job, data, options.shelf.get(data.kernel));
      } catch (error) {
        throw unrecoverable(error);
      }
    },
    { ...workerOptions, concurrency: 1 },
  );
  for (const worker of [batches, stitches]) {
    worker.on('error', (error) => log(`queue error: ${error.message}`));
  }
  await Promise.all([batches.waitUntilReady(), stitches.waitUntilReady()]);
  log(`worker ${id} ready: ${options.devices.map((d) => d.info.id).join(', ')}, concurrency ${options.concurrency}`);
  return {
    id,
    async close() {
      clearInterval(timer);
      await Promise.allSettled([batches.close(), stitches.close()]);
      await stitchQueue.close();
      await withdrawWorker(redis, id).catch(() => undefined);
      redis.disconnect();
    },
  };
}
