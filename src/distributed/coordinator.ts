import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FlowProducer, Job, Queue, QueueEvents } from 'bullmq';
import type { AnyKernel, AnyReductionKernel, ReduceWith } from '../../kernels/types.js';
import { allocateArray, byteLength, type ArrayView } from '../array/array-view.js';
import { DTYPE_INFO } from '../array/dtype.js';
import { DeviceError, UsageError } from '../errors.js';
import type { RunResult } from '../run.js';
import { PerfModel } from '../scheduler/perf-model.js';
import type { DeviceRecord } from '../scheduler/records.js';
import { planPass } from '../tiling/plan-pass.js';
import { makeTileGrid, type TileGrid } from '../tiling/tile-grid.js';
import { planBatches } from './batch-plan.js';
import { connectRedis, safeUrl } from './connection.js';
import { BATCH_QUEUE, SCHEMA_VERSION, STITCH_QUEUE, type BatchJobData, type OutputTarget, type StitchJobData } from './job-schema.js';
import { kernelNameOf } from './kernel-names.js';
import { listWorkers } from './registry.js';
import type { StitchResult, WorkerShares } from './stitch-job.js';
import { decodeWire, encodeWire } from './wire.js';
import { isHttpUrl, remoteSize } from '../io/url-input.js';

export interface DistributedOptions {
  url: string;
  /** The input as every worker can read it: a path on a shared file system, or an http(s) URL. */
  inputPath: string;
  tile?: number;
  batchTiles?: number;
  /** Seconds a batch should take on the worker it is sized for (default 1). */
  targetBatchSeconds?: number;
  /** Runs of a batch before the run fails with its error (default 3). */
  attempts?: number;
  /** The whole run must finish within this many seconds (default 3600). */
  timeoutSeconds?: number;
  /** Map kernels: a directory every worker can write, for the output being assembled. */
  sharedDir?: string;
}

/** Kept for finished batches and runs, so `tilerun status` can count them. */
const KEEP = { age: 24 * 3600, count: 10_000 };
/** BullMQ's largest job priority (2^21). */
const MAX_PRIORITY = 2_097_152;

/**
 * Runs a kernel on the workers registered in Redis: each pass (a first pass, then the main one)
 * is one BullMQ flow: children name the input and a range of tiles, the parent stitches. Batches
 * are retried (attempts with exponential backoff; a dead worker's batch comes back after its
 * lock expires); a batch that fails every attempt fails the parent, and the coordinator cancels
 * the run's other batches and reports the kernel's error.
 */
export async function runDistributed<Params, Partial>(kernel: AnyKernel, view: ArrayView, userParams: Params, options: DistributedOptions): Promise<RunResult<Params, Partial>> {
  kernel.validateParams(view, userParams);
  const redis = await connectRedis(options.url);
  // A URL goes to the workers as it is (each downloads it); a path is made absolute.
  const inputPath = isHttpUrl(options.inputPath) ? options.inputPath : resolve(options.inputPath);
  if (kernel.kind === 'map' && isHttpUrl(inputPath) && options.sharedDir === undefined) {
    redis.disconnect();
    throw new UsageError(`${inputPath}: a map kernel's output is assembled in a directory every worker can write, and a URL has none beside it: give --shared-dir`);
  }
  const inputBytes = isHttpUrl(inputPath) ? await remoteSize(inputPath).catch((error: unknown) => {
    redis.disconnect();
    throw error;
  }) : (await stat(inputPath)).size;
  const runId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const producer = new FlowProducer({ connection: redis });
  const batchQueue = new Queue(BATCH_QUEUE, { connection: redis });
  // QueueEvents blocks on its connection: it gets its own, closed with the rest below.
  const eventsConnection = redis.duplicate();
  const stitchEvents = new QueueEvents(STITCH_QUEUE, { connection: eventsConnection });
  const started = performance.now();
  const deadline = started + (options.timeoutSeconds ?? 3600) * 1000;
  const notes: string[] = [];
  const shares: WorkerShares = {};
  let passes = 0;
  try {
    await stitchEvents.waitUntilReady();
    const workers = await listWorkers(redis);
    if (workers.length === 0) throw new UsageError(`no tilerun worker is registered at ${safeUrl(options.url)}: start one with tilerun worker --redis ${safeUrl(options.url)}`);
    const bpe = DTYPE_INFO[view.dtype].bytesPerElement;

    const pass = async (k: AnyKernel, params: unknown, output?: OutputTarget): Promise<{ grid: TileGrid; result: StitchResult }> => {
      passes++;
      const { halo, tileEdge } = planPass(k, view, params, [], options.tile);
      const grid = makeTileGrid(view.height, view.width, tileEdge, tileEdge, halo);
      const bytesPerTile = (view.height * view.width * view.channels * bpe) / grid.count;
      const ranges = planBatches(grid.count, bytesPerTile, await listWorkers(redis), k.name, {
        targetSeconds: options.targetBatchSeconds ?? 1,
        ...(options.batchTiles === undefined ? {} : { batchTiles: options.batchTiles }),
      });
      const kernelName = kernelNameOf(k);
      const prefix = `${runId}-p${passes}`;
      const stitchData: StitchJobData = { v: SCHEMA_VERSION, run: runId, pass: passes, kernel: kernelName, kind: k.kind, tileCount: grid.count };
      const encodedParams = encodeWire(params);
      const flow = await producer.add({
        name: 'stitch',
        queueName: STITCH_QUEUE,
        data: stitchData,
        opts: { jobId: prefix, removeOnComplete: KEEP, removeOnFail: KEEP },
        children: ranges.map((range, i) => {
          const data: BatchJobData = {
            v: SCHEMA_VERSION,
            run: runId,
            pass: passes,
            kernel: kernelName,
            input: inputPath,
            inputBytes,
            params: encodedParams,
            tileEdge,
            halo,
            tiles: [range],
            ...(output ? { output } : {}),
          };
          return {
            name: 'batch',
            queueName: BATCH_QUEUE,
            data,
            opts: {
              jobId: `${prefix}-b${i}`,
              // In tile order; a retried batch (back from its backoff) goes ahead of the batches
              // not yet started instead of behind them, so a batch that keeps failing fails the
              // run early and the rest is cancelled rather than computed for nothing.
              priority: Math.min(i + 1, MAX_PRIORITY),
              attempts: options.attempts ?? 3,
              backoff: { type: 'exponential', delay: 200 },
              failParentOnFailure: true,
              removeOnComplete: KEEP,
              removeOnFail: KEEP,
            },
          };
        }),
      });
      const children = ranges.map((_, i) => `${prefix}-b${i}`);
      try {
        const result = (await flow.job.waitUntilFinished(stitchEvents, Math.max(1, deadline - performance.now()))) as StitchResult;
        for (const [worker, share] of Object.entries(result.workers)) {
          const total = (shares[worker] ??= { tiles: 0, bytes: 0, seconds: 0, batches: 0 });
          total.tiles += share.tiles;
          total.bytes += share.bytes;
          total.seconds += share.seconds;
          total.batches += share.batches;
        }
        return { grid, result };
      } catch (error) {
        throw await failure(batchQueue, children, ranges, error, performance.now() >= deadline ? options.timeoutSeconds ?? 3600 : null);
      }
    };

    const reduce: ReduceWith = async <P, R>(reduction: AnyReductionKernel, params: P): Promise<R> => {
      const prepared = reduction.prepare ? ((await reduction.prepare(view, params, reduce)) as P) : params;
      const { result } = await pass(reduction, prepared);
      return decodeWire(result.whole) as R;
    };
    const params = (kernel.prepare ? await kernel.prepare(view, userParams, reduce) : userParams) as Params;

    let output: ArrayView | undefined;
    let main: { grid: TileGrid; result: StitchResult };
    if (kernel.kind === 'map') {
      const shape = kernel.output(view, params);
      const target: OutputTarget = {
        path: join(resolve(options.sharedDir ?? dirname(inputPath)), `.tilerun-${runId}.part`),
        dtype: shape.dtype,
        height: shape.height,
        width: shape.width,
        channels: shape.channels,
        factor: shape.factor,
      };
      output = allocateArray(shape.dtype, shape.height, shape.width, shape.channels);
      const bytes = new Uint8Array(output.buffer, output.byteOffset, byteLength(output));
      const file = await open(target.path, 'wx');
      try {
        await file.truncate(bytes.byteLength);
        await file.close();
        main = await pass(kernel, params, target);
        const done = await open(target.path, 'r');
        try {
          await done.read(bytes, 0, bytes.byteLength, 0);
        } finally {
          await done.close();
        }
      } finally {
        await unlink(target.path).catch(() => undefined);
      }
    } else {
      main = await pass(kernel, params);
    }
    const seconds = (performance.now() - started) / 1000;
    const partials = kernel.kind === 'reduction' ? (decodeWire(main.result.partials) as Partial[]) : [];
    notes.push(`ran on ${Object.keys(shares).length} remote worker${Object.keys(shares).length === 1 ? '' : 's'} via ${safeUrl(options.url)} (run ${runId})`);
    return {
      kernel: kernel.name,
      kind: kernel.kind,
      params,
      array: { dtype: view.dtype, height: view.height, width: view.width, channels: view.channels, bytes: view.height * view.width * view.channels * bpe },
      grid: main.grid,
      partials,
      whole: (kernel.kind === 'reduction' ? decodeWire(main.result.whole) : undefined) as Partial,
      ...(output ? { output } : {}),
      devices: Object.entries(shares).map(([worker, share]) => workerRecord(worker, share, workers.find((w) => w.id === worker)?.devices.map((d) => d.id).join(', '))),
      batches: [],
      schedule: [],
      faults: [],
      passes,
      seconds,
      notes,
    };
  } finally {
    await Promise.allSettled([producer.close(), batchQueue.close(), stitchEvents.close()]);
    eventsConnection.disconnect();
    redis.disconnect();
  }
}

function workerRecord(id: string, share: WorkerShares[string], devices: string | undefined): DeviceRecord {
  return {
    id: `worker:${id}`,
    description: `remote worker ${id}${devices ? ` (${devices})` : ''}`,
    software: false,
    tiles: share.tiles,
    bytes: share.bytes,
    batches: share.batches,
    busySeconds: share.seconds,
    bytesPerSecond: share.seconds > 0 ? share.bytes / share.seconds : 0,
    lanes: 1,
    sharedQueue: false,
    failures: 0,
    retired: null,
    waits: 0,
    lastWaitReason: null,
    model: new PerfModel(),
  };
}

/**
 * After a pass failed or timed out: cancels the batches not yet running (running ones see the
 * failed parent and stop at their next start) and returns the error of the batch that failed.
 */
async function failure(queue: Queue, children: string[], ranges: [number, number][], error: unknown, timedOut: number | null): Promise<Error> {
  let failed: { index: number; reason: string; attempts: number } | null = null;
  let cancelled = 0;
  // Workers see the failed parent and fail the batches they pick up as cancelled; the ones still
  // waiting are removed here. Either way each is counted once.
  const states = await Promise.all(
    children.map(async (id) => {
      const job = await Job.fromId(queue, id);
      return job ? { job, state: await job.getState() } : null;
    }),
  );
  for (const [index, entry] of states.entries()) {
    if (entry === null) continue;
    const { job, state } = entry;
    const reason = job.failedReason ?? '';
    if (state === 'failed' && reason.startsWith('cancelled:')) cancelled++;
    else if (state === 'failed' && failed === null) failed = { index, reason, attempts: job.attemptsMade };
    else if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') {
      if (await job.remove().then(() => true, () => false)) cancelled++;
    }
  }
  const tail = cancelled > 0 ? `; ${cancelled} batch${cancelled === 1 ? ' that had not started was' : 'es that had not started were'} cancelled` : '';
  if (timedOut !== null) return new DeviceError(`the distributed run did not finish within ${timedOut} s (are workers running? tilerun status --redis ...)${tail}`);
  if (failed !== null) {
    const [first, end] = ranges[failed.index]!;
    return new DeviceError(`batch ${failed.index} (tiles ${first}..${end - 1}) failed on every attempt (${failed.attempts}): ${failed.reason}${tail}`);
  }
  return new DeviceError(`the distributed run failed: ${error instanceof Error ? error.message : String(error)}${tail}`);
}
