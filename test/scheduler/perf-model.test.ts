import { describe, expect, it } from 'vitest';
import { balancedFinish, laneShare } from '../../src/scheduler/balance.js';
import { PerfModel } from '../../src/scheduler/perf-model.js';
import { robustLine } from '../../src/scheduler/robust-fit.js';
import { WorkQueue } from '../../src/scheduler/work-queue.js';

describe('robustLine', () => {
  it('recovers fixed cost and cost per byte, and one wild sample does not move it', () => {
    const bytes = [1e6, 2e6, 4e6, 8e6, 16e6, 4e6, 8e6];
    const seconds = bytes.map((b) => 0.002 + b * 1e-9);
    seconds[3] = 10; // a batch that waited for the OS
    const line = robustLine(bytes, seconds);
    expect(line.intercept).toBeCloseTo(0.002, 6);
    expect(line.slope).toBeCloseTo(1e-9, 12);
  });

  it('with samples of one size, keeps the prior fixed cost and fits the rate', () => {
    const line = robustLine([1e6, 1e6, 1e6], [0.003, 0.0031, 0.0029], 0.001);
    expect(line.intercept).toBe(0.001);
    expect(line.slope).toBeCloseTo(2e-9, 12);
  });

  it('never returns a negative rate, even when noise says bigger batches are faster', () => {
    const line = robustLine([1e6, 2e6, 3e6, 4e6], [0.004, 0.003, 0.002, 0.001]);
    expect(line.slope).toBeGreaterThan(0);
    expect(line.intercept).toBeGreaterThanOrEqual(0);
  });

  it('gives exactly the medians of a sort, for odd and even counts and repeated values', () => {
    const sortedMedian = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    };
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 500; trial++) {
      const n = 2 + (trial % 31);
      // Few distinct sizes and repeated timings: ties are where a selection goes wrong.
      const bytes = Array.from({ length: n }, () => (1 + Math.floor(random() * 6)) * 1e6);
      const seconds = bytes.map((b) => Math.round((1e-4 + b * 1e-9 * (random() < 0.1 ? 3 : 1)) * 1e5) / 1e5);
      const slopes: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (Math.max(bytes[i]!, bytes[j]!) >= Math.min(bytes[i]!, bytes[j]!) * 1.25) slopes.push((seconds[j]! - seconds[i]!) / (bytes[j]! - bytes[i]!));
        }
      }
      const line = robustLine(bytes, seconds);
      if (slopes.length >= 3 && sortedMedian(slopes) > 0) {
        const intercept = sortedMedian(bytes.map((b, i) => seconds[i]! - sortedMedian(slopes) * b));
        if (intercept >= 0) expect(line).toEqual({ intercept, slope: sortedMedian(slopes) });
      }
    }
  });
});

describe('PerfModel', () => {
  const feed = (model: PerfModel, secondsPerByte: number, n: number, transferShare = 0.25) => {
    for (let i = 0; i < n; i++) {
      const bytes = (1 + (i % 4)) * 1e6;
      const seconds = 0.001 + bytes * secondsPerByte;
      model.observe({ bytes, seconds, transferSeconds: seconds * transferShare });
    }
  };

  it('is uncalibrated until two batches, then predicts; transfer and compute are fitted apart', () => {
    const model = new PerfModel();
    expect(model.calibrated).toBe(false);
    feed(model, 1e-9, 1);
    expect(model.calibrated).toBe(false);
    feed(model, 1e-9, 11);
    expect(model.calibrated).toBe(true);
    expect(model.predict(8e6)).toBeCloseTo(0.001 + 8e-3, 6);
    const { compute, transfer } = model.parts;
    expect(transfer.slope / (compute.slope + transfer.slope)).toBeCloseTo(0.25, 3);
  });

  it('ignores a few outliers but follows a device that changed speed for good', () => {
    const model = new PerfModel();
    feed(model, 1e-9, 20);
    model.observe({ bytes: 1e6, seconds: 1, transferSeconds: 0 });
    model.observe({ bytes: 2e6, seconds: 0.5, transferSeconds: 0 });
    expect(model.predict(4e6)).toBeCloseTo(0.005, 4);
    feed(model, 4e-9, 6);
    expect(model.predict(4e6)).toBeCloseTo(0.001 + 16e-3, 3);
  });

  it('round-trips through its saved form, calibrated from the start', () => {
    const model = new PerfModel();
    feed(model, 1e-9, 8);
    const loaded = new PerfModel(JSON.parse(JSON.stringify(model.save())));
    expect(loaded.fromCache).toBe(true);
    expect(loaded.calibrated).toBe(true);
    expect(loaded.predict(3e6)).toBeCloseTo(model.predict(3e6), 12);
    expect(loaded.observed).toBe(8);
  });
});

describe('balancedFinish', () => {
  it('splits divisible work so every lane ends together', () => {
    const lanes = [
      { available: 0, fixedSeconds: 0, bytesPerSecond: 3 },
      { available: 0, fixedSeconds: 0, bytesPerSecond: 1 },
    ];
    const finish = balancedFinish(lanes, 8);
    expect(finish).toBeCloseTo(2, 12);
    expect(laneShare(lanes[0]!, finish)).toBeCloseTo(6, 12);
  });

  it('counts when each lane is free and its fixed cost; a late lane gets nothing', () => {
    const lanes = [
      { available: 0, fixedSeconds: 0.5, bytesPerSecond: 2 },
      { available: 10, fixedSeconds: 0, bytesPerSecond: 100 },
    ];
    expect(balancedFinish(lanes, 4)).toBeCloseTo(2.5, 12);
    expect(laneShare(lanes[1]!, 2.5)).toBe(0);
  });
});

describe('WorkQueue', () => {
  it('hands out fresh tiles in order, partitions, and retries first-come with their history', () => {
    const queue = new WorkQueue(10);
    expect(queue.takeFresh(3)).toEqual({ first: 0, count: 3 });
    expect(queue.takeFresh(2, 6, 10)).toEqual({ first: 6, count: 2 });
    expect(queue.freshRemainingWithin(0, 6)).toBe(3);
    const retry = queue.fail({ first: 0, count: 3 }, 1, new Error('boom'));
    expect(queue.remaining).toBe(8);
    // Device 1 failed it: it gets it only when allowed to take what it failed.
    expect(queue.takeRetry(1, 5)).toBeNull();
    const taken = queue.takeRetry(0, 2)!;
    expect(taken).toMatchObject({ first: 0, count: 2 });
    expect(taken.retry.failedOn.has(1)).toBe(true);
    expect(retry.attempts).toBe(1);
    expect(queue.takeRetry(1, 5, () => true)).toMatchObject({ first: 2, count: 1 });
    expect(queue.takeFresh(100)).toEqual({ first: 3, count: 3 });
    expect(queue.takeFresh(100)).toEqual({ first: 8, count: 2 });
    expect(queue.remaining).toBe(0);
  });
});
