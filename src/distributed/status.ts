import { Queue } from 'bullmq';
import { connectRedis } from './connection.js';
import { BATCH_QUEUE, STITCH_QUEUE } from './job-schema.js';
import { listWorkers, type WorkerRecord } from './registry.js';

export interface QueueCounts {
  queued: number;
  running: number;
  finished: number;
  failed: number;
  /** Batches waiting out a retry's backoff; runs waiting for their batches. */
  waiting: number;
}

export interface ClusterStatus {
  batches: QueueCounts;
  runs: QueueCounts;
  workers: WorkerRecord[];
}

async function counts(queue: Queue): Promise<QueueCounts> {
  const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed', 'waiting-children');
  return {
    queued: (c.waiting ?? 0) + (c.prioritized ?? 0),
    running: c.active ?? 0,
    finished: c.completed ?? 0,
    failed: c.failed ?? 0,
    waiting: (c.delayed ?? 0) + (c['waiting-children'] ?? 0),
  };
}

/** `tilerun status`: the queues' counts and the registered workers, read from Redis. */
export async function clusterStatus(url: string): Promise<ClusterStatus> {
  const redis = await connectRedis(url);
  const queues = [new Queue(BATCH_QUEUE, { connection: redis }), new Queue(STITCH_QUEUE, { connection: redis })];
  try {
    const [batches, runs] = await Promise.all(queues.map(counts));
    return { batches: batches!, runs: runs!, workers: await listWorkers(redis) };
  } finally {
    await Promise.allSettled(queues.map((queue) => queue.close()));
    redis.disconnect();
  }
}

function rate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1e8 ? `${(bytesPerSecond / 1e9).toFixed(2)} GB/s` : `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

export function formatStatus(status: ClusterStatus): string {
  const { batches: b, runs: r } = status;
  const lines = [
    `batches: ${b.queued} queued, ${b.running} running, ${b.finished} finished, ${b.failed} failed, ${b.waiting} waiting to retry`,
    `runs:    ${r.waiting} waiting for batches, ${r.queued + r.running} stitching, ${r.finished} finished, ${r.failed} failed`,
    `workers: ${status.workers.length}`,
  ];
  for (const worker of status.workers) {
    const devices = worker.devices.map((d) => d.id + (d.threads ? ` (${d.threads} threads)` : '')).join(', ');
    const speeds = Object.entries(worker.throughput).map(([kernel, t]) => `${kernel} ${rate(t.bytesPerSecond)} over ${t.batches} batches`);
    lines.push(`  ${worker.id} on ${worker.host}: ${devices}; concurrency ${worker.concurrency}, ${worker.active} running${speeds.length ? '; ' + speeds.join(', ') : ''}`);
  }
  return lines.join('\n');
}
