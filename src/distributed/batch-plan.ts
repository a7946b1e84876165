import type { WorkerRecord } from './registry.js';

export interface BatchPlanOptions {
  /** A fixed number of tiles per batch (the bench sweeps it); else sized from the workers' throughput. */
  batchTiles?: number;
  /** Seconds a batch should take on the worker it is sized for. */
  targetSeconds: number;
}

/** The batch size (tiles) sized for each worker: its measured rate x the target time, or null before it has measured one. */
export function tilesPerBatch(worker: WorkerRecord, kernel: string, bytesPerTile: number, targetSeconds: number): number | null {
  const rate = worker.throughput[kernel]?.bytesPerSecond;
  if (rate === undefined || !(rate > 0) || !(bytesPerTile > 0)) return null;
  return Math.max(1, Math.round((rate * targetSeconds) / bytesPerTile));
}

/**
 * Splits tiles 0..tileCount-1 into contiguous batches, in queue order. BullMQ has no worker
 * affinity (any worker pulls the next job), so sizes cannot be addressed to a worker; instead the
 * sequence interleaves one batch sized for each registered worker (fastest first), so a fast
 * worker's batches are large and a slow one's small, and the tail shrinks (no batch larger than
 * the rest split two ways per worker) so no worker is left holding a big batch at the end.
 * Workers that have measured nothing yet get the smallest measured size, or, when nobody has
 * measured anything, about a quarter of an even share each (a first run calibrates them).
 */
export function planBatches(tileCount: number, bytesPerTile: number, workers: readonly WorkerRecord[], kernel: string, options: BatchPlanOptions): [number, number][] {
  const ranges: [number, number][] = [];
  const push = (first: number, count: number) => ranges.push([first, first + count]);
  if (options.batchTiles !== undefined) {
    for (let first = 0; first < tileCount; first += options.batchTiles) push(first, Math.min(options.batchTiles, tileCount - first));
    return ranges;
  }
  const n = Math.max(1, workers.length);
  const measured = workers.map((worker) => tilesPerBatch(worker, kernel, bytesPerTile, options.targetSeconds));
  const known = measured.filter((size): size is number => size !== null);
  const fallback = known.length > 0 ? Math.min(...known) : Math.max(1, Math.min(64, Math.ceil(tileCount / (4 * n))));
  const sizes = (workers.length === 0 ? [fallback] : measured.map((size) => size ?? fallback)).sort((a, b) => b - a);
  let first = 0;
  for (let turn = 0; first < tileCount; turn++) {
    const remaining = tileCount - first;
    const tail = Math.max(1, Math.ceil(remaining / (2 * n)));
    const count = Math.min(sizes[turn % sizes.length]!, tail, remaining);
    push(first, count);
    first += count;
  }
  return ranges;
}
