/**
 * Measured speed of one device: bytes finished per second of wall time during which the device
 * had at least one batch in flight. Counting wall time (not per-batch time summed) makes devices
 * that overlap batches, like a GPU with two in flight or a pool of threads, measure what they
 * really deliver.
 */
export class ThroughputMeter {
  private bytesDone = 0;
  private busySeconds = 0;
  private activeBatches = 0;
  private busySince = 0;

  batchStarted(now: number): void {
    if (this.activeBatches === 0) this.busySince = now;
    this.activeBatches++;
  }

  batchFinished(now: number, bytes: number): void {
    this.bytesDone += bytes;
    this.activeBatches--;
    if (this.activeBatches === 0) this.busySeconds += now - this.busySince;
  }

  /** Busy wall time, counting a batch still in flight. */
  busyTime(now: number): number {
    return this.busySeconds + (this.activeBatches > 0 ? now - this.busySince : 0);
  }

  get bytes(): number {
    return this.bytesDone;
  }

  /** Bytes per second, or null before the first batch has finished. */
  rate(now: number): number | null {
    const busy = this.busyTime(now);
    return this.bytesDone > 0 && busy > 0 ? this.bytesDone / busy : null;
  }
}
