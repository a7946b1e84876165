import type { Redis } from 'ioredis';

/**
 * Workers announce themselves in Redis under a key with a time to live, refreshed by a
 * heartbeat: a worker that dies drops out of the registry on its own within the TTL. Its record
 * carries its devices and its measured throughput per kernel, which the coordinator sizes
 * batches from.
 */
export const WORKER_KEY_PREFIX = 'tilerun:worker:';
export const HEARTBEAT_MS = 2000;
export const WORKER_TTL_S = 10;

export interface KernelThroughput {
  bytesPerSecond: number;
  batches: number;
  tiles: number;
}

export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  concurrency: number;
  devices: { id: string; kind: string; description: string; software: boolean; threads?: number }[];
  kernels: string[];
  /** Per kernel name, what this worker has measured running its batches. */
  throughput: Record<string, KernelThroughput>;
  /** Batches it is running now. */
  active: number;
}

export async function publishWorker(redis: Redis, record: WorkerRecord): Promise<void> {
  await redis.set(WORKER_KEY_PREFIX + record.id, JSON.stringify(record), 'EX', WORKER_TTL_S);
}

export async function withdrawWorker(redis: Redis, id: string): Promise<void> {
  await redis.del(WORKER_KEY_PREFIX + id);
}

function parseRecord(text: string | null): WorkerRecord | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as WorkerRecord;
    return typeof value.id === 'string' && Array.isArray(value.devices) && typeof value.throughput === 'object' ? value : null;
  } catch {
    return null;
  }
}

/** Every live worker's record (keys whose TTL has not run out), sorted by id. */
export async function listWorkers(redis: Redis): Promise<WorkerRecord[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${WORKER_KEY_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .map(parseRecord)
    .filter((record): record is WorkerRecord => record !== null)
    .sort((a, b) => a.id.localeCompare(b.id));
}
