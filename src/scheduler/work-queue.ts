/** A run of consecutive tiles: the unit devices take (consecutive tiles are one band of rows to upload). */
export interface TileRange {
  first: number;
  count: number;
}

/** A range that failed somewhere and waits to be run again. */
export interface RetryRange extends TileRange {
  attempts: number;
  /** Devices (by index) that failed it. */
  failedOn: Set<number>;
  lastError: unknown;
}

/**
 * The tiles not yet handed out: fresh tiles from a cursor (or from per-device partitions, for the
 * static baseline) and failed ranges waiting for a retry, which go first so a fault does not
 * become the run's tail.
 */
export class WorkQueue {
  /** Fresh tiles as disjoint ranges in tile order (one, until a static split carves partitions). */
  private readonly fresh: TileRange[];
  private freshTiles: number;
  readonly retries: RetryRange[] = [];
  private retryTiles = 0;

  constructor(readonly total: number) {
    this.fresh = total > 0 ? [{ first: 0, count: total }] : [];
    this.freshTiles = total;
  }

  /** Tiles not yet handed out (fresh and retries). */
  get remaining(): number {
    return this.freshTiles + this.retryTiles;
  }

  get freshRemaining(): number {
    return this.freshTiles;
  }

  /** Fresh tiles in [from, to). */
  freshRemainingWithin(from: number, to: number): number {
    return this.fresh.reduce((sum, range) => sum + Math.max(0, Math.min(to, range.first + range.count) - Math.max(from, range.first)), 0);
  }

  /** Up to `count` fresh tiles from the first fresh tile at or after `from` and before `to`. */
  takeFresh(count: number, from = 0, to = this.total): TileRange | null {
    const index = this.fresh.findIndex((range) => range.first + range.count > from && range.first < to);
    if (index < 0 || count <= 0) return null;
    const range = this.fresh[index]!;
    const first = Math.max(range.first, from);
    const n = Math.min(count, range.first + range.count - first, to - first);
    const taken = { first, count: n };
    const pieces: TileRange[] = [];
    if (first > range.first) pieces.push({ first: range.first, count: first - range.first });
    if (first + n < range.first + range.count) pieces.push({ first: first + n, count: range.first + range.count - first - n });
    this.fresh.splice(index, 1, ...pieces);
    this.freshTiles -= n;
    return taken;
  }

  /**
   * A retry this device may take, split to at most `count` tiles: the first one `eligible`
   * accepts (by default one it has not failed).
   */
  takeRetry(device: number, count: number, eligible: (range: RetryRange) => boolean = (range) => !range.failedOn.has(device)): (TileRange & { retry: RetryRange }) | null {
    const index = this.retries.findIndex(eligible);
    if (index < 0) return null;
    const range = this.retries[index]!;
    const n = Math.max(1, Math.min(count, range.count));
    const taken = { first: range.first, count: n, retry: { ...range, failedOn: new Set(range.failedOn), count: n } };
    if (n === range.count) this.retries.splice(index, 1);
    else {
      range.first += n;
      range.count -= n;
    }
    this.retryTiles -= n;
    return taken;
  }

  /** Puts a failed range back, remembering where it failed and how often. */
  fail(range: TileRange, device: number, error: unknown, previous?: RetryRange): RetryRange {
    const failedOn = new Set(previous?.failedOn ?? []);
    failedOn.add(device);
    const retry: RetryRange = { first: range.first, count: range.count, attempts: (previous?.attempts ?? 0) + 1, failedOn, lastError: error };
    this.retries.push(retry);
    this.retries.sort((a, b) => a.first - b.first);
    this.retryTiles += range.count;
    return retry;
  }
}
