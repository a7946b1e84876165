/** A lane as the balance sees it: free from `available`, then `fixedSeconds` per batch and `bytesPerSecond`. */
export interface BalanceLane {
  available: number;
  fixedSeconds: number;
  bytesPerSecond: number;
}

/**
 * The earliest time T by which the lanes together can finish `bytes` of divisible work, each
 * starting at its `available` time and paying its fixed cost once: the T where
 * sum over lanes of max(0, T - available - fixed) * rate = bytes. Work given to each lane in
 * proportion makes every lane finish at T; that is the split the scheduler aims for.
 */
export function balancedFinish(lanes: readonly BalanceLane[], bytes: number): number {
  const usable = lanes.filter((lane) => lane.bytesPerSecond > 0);
  if (usable.length === 0) return Number.POSITIVE_INFINITY;
  const starts = usable.map((lane) => lane.available + lane.fixedSeconds);
  if (bytes <= 0) return Math.min(...starts);
  // Piecewise linear and increasing in T: walk the lanes in order of their start.
  const order = usable.map((lane, i) => ({ start: starts[i]!, rate: lane.bytesPerSecond })).sort((a, b) => a.start - b.start);
  let rate = 0;
  let done = 0;
  for (let i = 0; i < order.length; i++) {
    const lane = order[i]!;
    rate += lane.rate;
    if (!Number.isFinite(rate)) return lane.start;
    const nextStart = i + 1 < order.length ? order[i + 1]!.start : Number.POSITIVE_INFINITY;
    const finish = lane.start + (bytes - done) / rate;
    if (finish <= nextStart) return finish;
    done += (nextStart - lane.start) * rate;
  }
  return Number.POSITIVE_INFINITY;
}

/** Bytes a lane does by `finish` under the balance (0 if it cannot start by then). */
export function laneShare(lane: BalanceLane, finish: number): number {
  return Math.max(0, finish - lane.available - lane.fixedSeconds) * lane.bytesPerSecond;
}
