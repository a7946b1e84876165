import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balancedFinish, laneShare, type BalanceLane } from '../../src/scheduler/balance.js';
import { DmdaPolicy } from '../../src/scheduler/dmda-policy.js';
import { PerfModel } from '../../src/scheduler/perf-model.js';
import type { DeviceState, SchedulerView } from '../../src/scheduler/policy.js';
import { WorkQueue } from '../../src/scheduler/work-queue.js';

function bruteForce(lanes: readonly BalanceLane[], bytes: number): number {
  const usable = lanes.filter((l) => l.bytesPerSecond > 0);
  if (usable.length === 0) return Infinity;
  const done = (T: number) => usable.reduce((s, l) => s + Math.max(0, T - l.available - l.fixedSeconds) * l.bytesPerSecond, 0);
  let lo = Math.min(...usable.map((l) => l.available + l.fixedSeconds));
  if (bytes <= 0) return lo;
  let hi = lo + 1;
  while (done(hi) < bytes) hi = lo + (hi - lo) * 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (done(mid) >= bytes) hi = mid;
    else lo = mid;
  }
  return hi;
}

const lane = fc.record({
  available: fc.double({ min: 0, max: 10, noNaN: true }),
  fixedSeconds: fc.double({ min: 0, max: 1, noNaN: true }),
  bytesPerSecond: fc.double({ min: 1, max: 1e10, noNaN: true }),
});

describe('balancedFinish against brute-force bisection', () => {
  it('matches bisection and the shares sum to the bytes', () => {
    fc.assert(
      fc.property(fc.array(lane, { minLength: 1, maxLength: 8 }), fc.double({ min: 1, max: 1e11, noNaN: true }), (lanes, bytes) => {
        const T = balancedFinish(lanes, bytes);
        const expected = bruteForce(lanes, bytes);
        expect(Math.abs(T - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, expected));
        const shares = lanes.reduce((s, l) => s + laneShare(l, T), 0);
        expect(Math.abs(shares - bytes)).toBeLessThanOrEqual(1e-6 * bytes);
      }),
      { numRuns: 2000, seed: 42 },
    );
  });
});

/** A model with cached samples: `fixed` per batch, `secondsPerByte`. */
function model(fixed: number, secondsPerByte: number): PerfModel {
  return new PerfModel({ samples: [1e4, 4e4, 16e4, 64e4].map((b) => [b, fixed + b * secondsPerByte, 0] as [number, number, number]), observed: 4, updated: 't' });
}

function view(models: PerfModel[], lanes: number[], remaining: number, busyUntil: number[]): SchedulerView {
  const queue = new WorkQueue(remaining);
  const devices: DeviceState[] = models.map((m, index) => ({
    index,
    device: { info: { id: `d${index}` }, concurrency: lanes[index]! } as never,
    model: m,
    alive: true,
    lanes: Array.from({ length: lanes[index]! }, (_, l) => ({ busy: l > 0, predictedFree: busyUntil[index]!, startedAt: 0, bytes: 0 })),
    sharedQueue: false,
    predictedQueueEnd: 0,
  }));
  return { now: 0, queue, devices, bytesPerTile: 4096, totalTiles: remaining, totalLanes: lanes.reduce((a, b) => a + b, 0), targetBatchSeconds: 0.05, probeBytes: 1 << 20 };
}

describe('dmda batch sizes', () => {
  it('a run decision always has an integer count in [1, remaining] (calibrated models, any speeds)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 1e-12, max: 1e-6, noNaN: true }), fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 5, noNaN: true })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 100000 }),
        (specs, remaining) => {
          const v = view(specs.map(([f, s]) => model(f, s)), specs.map(([, , l]) => l), remaining, specs.map(([, , , b]) => b));
          const decision = new DmdaPolicy().decide(v, 0, 0);
          if (decision.kind === 'run') {
            expect(Number.isInteger(decision.count)).toBe(true);
            expect(decision.count).toBeGreaterThanOrEqual(1);
            expect(decision.count).toBeLessThanOrEqual(remaining);
          }
        },
      ),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('a model whose samples took no time (accepted from the cache) must not make one lane take the whole queue', () => {
    const zero = new PerfModel({ samples: [[4096, 0, 0], [16384, 0, 0]], observed: 2, updated: 't' });
    const normal = model(0.001, 1e-9);
    const v = view([zero, normal], [1, 4], 100000, [0, 0]);
    const decision = new DmdaPolicy().decide(v, 0, 0);
    // The driver turns a non-finite count into "every remaining tile" (scheduler.ts:358).
    expect(decision.kind === 'run' && Number.isFinite(decision.count)).toBe(true);
  });

  it('takes a small share whole where only its own device lanes share the work, and halves it beside another device', () => {
    // Two idle lanes of one device at 2 GB/s (1 ms fixed), 64 tiles of 256 KiB: each lane's share is 32 tiles, 4 ms.
    const cpu = (): PerfModel => model(0.001, 0.5e-9);
    const alone = { ...view([cpu()], [2], 64, [0]), bytesPerTile: 256 * 1024 };
    alone.devices[0]!.lanes.forEach((lane) => (lane.busy = false));
    const own = new DmdaPolicy().decide(alone, 0, 0);
    expect(own).toMatchObject({ kind: 'run', count: 32 });
    expect(own.reason).toContain('whole');
    // The same share with a second device's lane beside them is halved, as a misprediction there costs more.
    const mixed = { ...view([cpu(), cpu()], [2, 1], 96, [0, 0]), bytesPerTile: 256 * 1024 };
    mixed.devices.forEach((device) => device.lanes.forEach((lane) => (lane.busy = false)));
    const beside = new DmdaPolicy().decide(mixed, 0, 0);
    // Half the share, or 3 fixed costs' worth (23 tiles) where that is more.
    expect(beside).toMatchObject({ kind: 'run', count: 23 });
    expect(beside.reason).toContain('half');
    // A 33 ms share (128 tiles) is still under the bar for two lanes (a target batch, 50 ms): whole.
    const medium = { ...view([cpu()], [2], 256, [0]), bytesPerTile: 256 * 1024 };
    medium.devices[0]!.lanes.forEach((lane) => (lane.busy = false));
    expect(new DmdaPolicy().decide(medium, 0, 0)).toMatchObject({ kind: 'run', count: 128 });
    // A share just above it (384 tiles, 50.3 ms) is halved on one device.
    const large = { ...view([cpu()], [2], 768, [0]), bytesPerTile: 256 * 1024 };
    large.devices[0]!.lanes.forEach((lane) => (lane.busy = false));
    expect(new DmdaPolicy().decide(large, 0, 0)).toMatchObject({ kind: 'run', count: 192 });
    // A second device still calibrating (alive, no model yet) is not in the balance, but the
    // device is not alone: it must leave that device work to calibrate (or fail) on, so halved.
    const probing = { ...view([cpu(), new PerfModel()], [2, 1], 64, [0, 0]), bytesPerTile: 256 * 1024 };
    probing.devices.forEach((device) => device.lanes.forEach((lane) => (lane.busy = false)));
    expect(new DmdaPolicy().decide(probing, 0, 0).reason).toContain('half');
    // Once that device is retired, this one is alone: whole again.
    probing.devices[1]!.alive = false;
    expect(new DmdaPolicy().decide(probing, 0, 0)).toMatchObject({ kind: 'run', count: 32 });
    // With 16 lanes the bar is a target batch over 8 (6.25 ms): a 16.8 ms share is halved, since
    // the slowest of many last batches sets the end.
    const many = { ...view([cpu()], [16], 2048, [0]), bytesPerTile: 256 * 1024 };
    many.devices[0]!.lanes.forEach((lane) => (lane.busy = false));
    expect(new DmdaPolicy().decide(many, 0, 0).reason).toContain('half');
  });
});
