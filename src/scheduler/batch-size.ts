/**
 * How many tiles a device takes next.
 *
 * Uncalibrated devices take a small first batch so they are measured quickly. Calibrated ones
 * take about `targetSeconds` of work per lane, but never more than half of their fair share of
 * what remains (their throughput's fraction of all devices'), so batches shrink towards the end
 * and all devices finish within about one small batch of each other (guided self-scheduling,
 * weighted by measured speed).
 */
export interface BatchSizeInput {
  remainingTiles: number;
  bytesPerTile: number;
  /** This device's measured bytes/s (all its lanes), or null if not yet measured. */
  deviceRate: number | null;
  /** Lanes (batches in flight) this device runs. */
  lanes: number;
  /** Sum of every device's rate, unmeasured ones counted as the mean of the measured. */
  totalRate: number | null;
  targetSeconds: number;
  /** First-batch size in bytes for an unmeasured device. */
  probeBytes: number;
  /** Tiles in the whole job and lanes of all devices: a probe batch never takes more than a
   * quarter of an even split, so every device gets measured. */
  totalTiles: number;
  totalLanes: number;
}

export function nextBatchTiles(input: BatchSizeInput): number {
  const { remainingTiles, bytesPerTile, deviceRate, lanes, totalRate, targetSeconds, probeBytes, totalTiles, totalLanes } = input;
  if (remainingTiles <= 0) return 0;
  let tiles: number;
  if (deviceRate === null || totalRate === null || totalRate <= 0) {
    tiles = Math.min(Math.ceil(probeBytes / bytesPerTile), Math.floor(totalTiles / (4 * totalLanes)));
  } else {
    const laneRate = deviceRate / lanes;
    tiles = Math.floor((laneRate * targetSeconds) / bytesPerTile);
    const fairShare = (remainingTiles * deviceRate) / totalRate / lanes;
    tiles = Math.min(tiles, Math.ceil(fairShare / 2));
  }
  return Math.max(1, Math.min(tiles, remainingTiles));
}
