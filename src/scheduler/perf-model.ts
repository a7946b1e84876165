import { robustLine, type Line } from './robust-fit.js';

/** One finished batch as a model sees it. */
export interface BatchSample {
  bytes: number;
  /** Wall seconds from handing the batch to the device to having its results. */
  seconds: number;
  /** The part of `seconds` spent moving data (upload, readback, messages to a worker). */
  transferSeconds: number;
}

/** What a model is saved as: its recent samples (fits are redone on load, so better fitting applies to old data). */
export interface SavedModel {
  samples: [bytes: number, seconds: number, transferSeconds: number][];
  /** Samples ever observed (the window keeps only the recent ones). */
  observed: number;
  updated: string;
}

/** Samples kept: enough for stable medians, few enough to follow a machine that changed. */
const WINDOW = 32;
/**
 * Consecutive samples this far from the prediction, all on one side, per lane of the device, mean
 * the device changed speed. Per lane: with 16 worker threads the last batches of a run to finish
 * are the slowest ones (the others finished before them), so a handful of slow completions in a
 * row is what the end of every run looks like, not a slower machine.
 */
const SHIFT_RUN_PER_LANE = 4;
const SHIFT_RATIO = 1.6;

/**
 * The measured cost of batches on one device lane (a worker thread, one GPU submission slot) for
 * one kernel, dtype and tile shape: seconds = compute(bytes) + transfer(bytes), each a robust
 * straight line (a fixed cost per batch plus a cost per byte). Transfer is fitted from what the
 * device reports it spent moving data, compute from the rest, so `--explain` and the planner can
 * say which one limits a device.
 *
 * A single slow batch does not move a median fit; a run of them all on one side (a GPU that
 * throttles, another program that took the cores) makes the model forget the older samples.
 */
export class PerfModel {
  private samples: BatchSample[] = [];
  private compute: Line = { intercept: 0, slope: 0 };
  private transfer: Line = { intercept: 0, slope: 0 };
  private pendingShift = 0;
  private shiftSide = 0;
  /** Samples observed in this process (not loaded). */
  observedHere = 0;
  private observedBefore = 0;
  /** Whether the model came from the cache. */
  readonly fromCache: boolean;
  /** Lanes of the device it models (the scheduler sets it), for telling a slower device from a run's stragglers. */
  lanes = 1;

  constructor(saved?: SavedModel) {
    if (saved) {
      this.samples = saved.samples
        .map(([bytes, seconds, transferSeconds]) => ({ bytes, seconds, transferSeconds }))
        .filter(isUsableSample)
        .slice(-WINDOW);
      this.observedBefore = saved.observed;
      this.refit();
    }
    this.fromCache = this.samples.length > 0;
  }

  /** Two samples give a rate; a cached model is calibrated from the start. */
  get calibrated(): boolean {
    return this.samples.length >= 2 || (this.fromCache && this.samples.length >= 1);
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  get observed(): number {
    return this.observedBefore + this.observedHere;
  }

  /** Predicted wall seconds of a batch of `bytes` on one lane. */
  predict(bytes: number): number {
    return this.fixedSeconds + bytes * (this.compute.slope + this.transfer.slope);
  }

  /** Per-batch cost whatever its size. */
  get fixedSeconds(): number {
    return this.compute.intercept + this.transfer.intercept;
  }

  /** Bytes per second one lane sustains on large batches, or null before any sample. */
  get laneBytesPerSecond(): number | null {
    const slope = this.compute.slope + this.transfer.slope;
    if (this.samples.length === 0) return null;
    return slope > 0 ? 1 / slope : Number.POSITIVE_INFINITY;
  }

  /** The transfer and compute parts, for explanations. */
  get parts(): { compute: Line; transfer: Line } {
    return { compute: { ...this.compute }, transfer: { ...this.transfer } };
  }

  observe(sample: BatchSample): void {
    if (!isUsableSample(sample)) return;
    const transferSeconds = Math.min(Number.isFinite(sample.transferSeconds) ? Math.max(0, sample.transferSeconds) : 0, sample.seconds);
    const clean = { bytes: sample.bytes, seconds: sample.seconds, transferSeconds };
    this.observedHere++;
    if (this.calibrated) this.watchForShift(clean);
    this.samples.push(clean);
    if (this.samples.length > WINDOW) this.samples.shift();
    this.refit();
  }

  /**
   * Adds a batch to the last sample instead of making it a sample of its own: a GPU driver may
   * report two queued batches done at the same instant, and the second's own time then reads as
   * zero; together they are one honest sample.
   */
  extendLast(sample: BatchSample): void {
    const last = this.samples.at(-1);
    if (!last) {
      this.observe(sample);
      return;
    }
    if (!(sample.bytes > 0) || !Number.isFinite(sample.bytes) || !Number.isFinite(sample.seconds)) return;
    last.bytes += sample.bytes;
    last.seconds += Math.max(0, sample.seconds);
    const transfer = Number.isFinite(sample.transferSeconds) ? Math.max(0, sample.transferSeconds) : 0;
    last.transferSeconds = Math.min(last.seconds, last.transferSeconds + transfer);
    this.refit();
  }

  /** What `--json` output shows of a model: its fitted figures, not its samples. */
  toJSON(): { fromCache: boolean; batchesObserved: number; laneBytesPerSecond: number | null; fixedSeconds: number; transferSecondsPerByte: number; computeSecondsPerByte: number } {
    return {
      fromCache: this.fromCache,
      batchesObserved: this.observed,
      laneBytesPerSecond: this.laneBytesPerSecond,
      fixedSeconds: this.fixedSeconds,
      transferSecondsPerByte: this.transfer.slope,
      computeSecondsPerByte: this.compute.slope,
    };
  }

  save(): SavedModel {
    return {
      samples: this.samples.map((s) => [s.bytes, s.seconds, s.transferSeconds]),
      observed: this.observed,
      updated: new Date().toISOString(),
    };
  }

  /** A device that changed speed for good: keep only the samples since the change. */
  private watchForShift(sample: BatchSample): void {
    const ratio = sample.seconds / Math.max(1e-12, this.predict(sample.bytes));
    const side = ratio > SHIFT_RATIO ? 1 : ratio < 1 / SHIFT_RATIO ? -1 : 0;
    if (side !== 0 && side === this.shiftSide) this.pendingShift++;
    else this.pendingShift = side === 0 ? 0 : 1;
    this.shiftSide = side;
    const run = SHIFT_RUN_PER_LANE * Math.max(1, this.lanes);
    if (this.pendingShift >= run) {
      this.samples = this.samples.slice(-Math.min(WINDOW - 1, run - 1));
      this.pendingShift = 0;
      this.shiftSide = 0;
    }
  }

  private refit(): void {
    const bytes = this.samples.map((s) => s.bytes);
    this.transfer = robustLine(bytes, this.samples.map((s) => s.transferSeconds), this.transfer.intercept);
    this.compute = robustLine(bytes, this.samples.map((s) => s.seconds - s.transferSeconds), this.compute.intercept);
  }
}

/** A batch that says something: positive finite bytes and seconds, transfer within them. */
export function isUsableSample(sample: BatchSample): boolean {
  return (
    Number.isFinite(sample.bytes) &&
    sample.bytes > 0 &&
    Number.isFinite(sample.seconds) &&
    sample.seconds > 0 &&
    !Number.isNaN(sample.transferSeconds)
  );
}
