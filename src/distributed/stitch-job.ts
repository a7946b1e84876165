import type { Job } from 'bullmq';
import type { AnyKernel } from '../../kernels/types.js';
import { stitchPartials } from '../stitch/stitch.js';
import type { StitchJobData } from './job-schema.js';
import type { BatchResult } from './run-batch.js';
import { decodeWire, encodeWire } from './wire.js';

/** Per worker: what it ran of this pass. */
export type WorkerShares = Record<string, { tiles: number; bytes: number; seconds: number; batches: number }>;

export interface StitchResult {
  tileCount: number;
  /** Reductions: every tile's partial in tile order, then the whole (encoded for the wire). */
  partials: unknown[] | null;
  whole: unknown;
  workers: WorkerShares;
}

/**
 * The parent job of a run: runs once every batch has finished. Partials are keyed by tile index:
 * each tile must have exactly one (a retried batch replaces its failed attempt's return value,
 * it is never added to it), and they are merged once, in tile order, by the fixed tree of
 * stitchPartials, so the answer does not depend on which worker ran what.
 */
export async function stitchChildren(job: Job, data: StitchJobData, kernel: AnyKernel): Promise<StitchResult> {
  const values = Object.values(await job.getChildrenValues()) as BatchResult[];
  const partials: unknown[] = new Array(data.tileCount);
  const seen = new Uint8Array(data.tileCount);
  const workers: WorkerShares = {};
  for (const value of values) {
    if (!value || !Array.isArray(value.tiles)) throw new Error(`run ${data.run}: a batch returned no tile list`);
    value.tiles.forEach((index, i) => {
      if (!Number.isSafeInteger(index) || index < 0 || index >= data.tileCount) throw new Error(`run ${data.run}: a batch returned tile ${index}, outside 0..${data.tileCount - 1}`);
      if (seen[index]) throw new Error(`run ${data.run}: tile ${index} came back from two batches`);
      seen[index] = 1;
      if (kernel.kind === 'reduction') partials[index] = decodeWire(value.partials?.[i]);
    });
    const share = (workers[value.worker] ??= { tiles: 0, bytes: 0, seconds: 0, batches: 0 });
    share.tiles += value.tiles.length;
    share.bytes += value.bytes;
    share.seconds += value.seconds;
    share.batches++;
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new Error(`run ${data.run}: tile ${missing} has no result`);
  if (kernel.kind !== 'reduction') return { tileCount: data.tileCount, partials: null, whole: null, workers };
  const whole = stitchPartials(partials, kernel);
  return { tileCount: data.tileCount, partials: encodeWire(partials) as unknown[], whole: encodeWire(whole), workers };
}
