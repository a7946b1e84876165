import { describe, expect, it } from 'vitest';
import { nextBatchTiles } from '../../src/scheduler/batch-size.js';

const base = { bytesPerTile: 1 << 18, lanes: 1, targetSeconds: 0.05, probeBytes: 1 << 20, totalTiles: 1000, totalLanes: 2 };

describe('nextBatchTiles', () => {
  it('takes a small probe batch while uncalibrated', () => {
    expect(nextBatchTiles({ ...base, remainingTiles: 1000, deviceRate: null, totalRate: null })).toBe(4);
  });

  it('keeps probe batches to a quarter of an even split, so every device gets measured', () => {
    expect(nextBatchTiles({ ...base, bytesPerTile: 4096, remainingTiles: 208, totalTiles: 208, totalLanes: 4, deviceRate: null, totalRate: null })).toBe(13);
  });

  it('sizes batches to the target time at the measured rate', () => {
    // 1 GB/s, 50 ms -> 50 MB -> 190 tiles of 256 KiB; fair share is far larger.
    expect(nextBatchTiles({ ...base, remainingTiles: 100000, deviceRate: 1e9, totalRate: 1e9 })).toBe(190);
  });

  it('never takes more than half its throughput-weighted share of what remains', () => {
    // Two devices, this one 1/4 of the total: share of 100 tiles = 25, half = 13.
    expect(nextBatchTiles({ ...base, remainingTiles: 100, deviceRate: 1e9, totalRate: 4e9 })).toBe(13);
    expect(nextBatchTiles({ ...base, remainingTiles: 3, deviceRate: 1e9, totalRate: 4e9 })).toBe(1);
  });

  it('never returns more than remains, nor less than one tile', () => {
    expect(nextBatchTiles({ ...base, remainingTiles: 2, deviceRate: null, totalRate: null })).toBe(2);
    expect(nextBatchTiles({ ...base, remainingTiles: 5, deviceRate: 1, totalRate: 1e12 })).toBe(1);
    expect(nextBatchTiles({ ...base, remainingTiles: 0, deviceRate: 1, totalRate: 1 })).toBe(0);
  });
});
