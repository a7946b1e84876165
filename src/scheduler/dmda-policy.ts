import { balancedFinish, laneShare, type BalanceLane } from './balance.js';
import type { Decision, SchedulerView, SchedulingPolicy } from './policy.js';

/** Calibrated batches stay at least this many times their fixed cost, so it is at most 1/(1+k) of their time. */
const AMORTISE = 19;
/** Steady batches are at most this many times the target batch time. */
const MAX_TARGETS = 4;
/** Tail batches stay at least this many times their fixed cost. */
const TAIL_AMORTISE = 3;

/** A lane of the balance, with when one tile there would end and the device it belongs to. */
type PolicyLane = BalanceLane & { oneTile: number; device: number };

function fmt(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

/**
 * Deque-model, data-aware placement (StarPU's dmda, for divisible tile work): every calibrated lane
 * is known by its predicted free time (the batch in flight, from its model) and its model's fixed
 * cost and rate, transfers included. When a lane is free it computes the time T at which all
 * lanes together would finish the remaining tiles, and takes its proportional share of them,
 * capped at about `targetBatchSeconds` so models keep learning, and halved near the end so a
 * misprediction costs at most a small batch. A lane whose single tile would finish later than the
 * others can finish everything without it waits instead: near the end, slow devices stop taking
 * work a fast one would finish sooner.
 *
 * An uncalibrated device pulls small batches greedily (a probe, then one four times larger, so
 * the fixed cost per batch can be told from the cost per byte).
 */
export class DmdaPolicy implements SchedulingPolicy {
  readonly name = 'dmda';

  decide(view: SchedulerView, deviceIndex: number, laneIndex: number): Decision {
    const { now, queue, devices, bytesPerTile } = view;
    const self = devices[deviceIndex]!;
    const remainingTiles = queue.remaining;
    // A model that says "no time per byte" (all samples alike, or a cache of such) cannot size a batch: probe.
    const usable = (model: typeof self.model): boolean => model.calibrated && Number.isFinite(model.laneBytesPerSecond ?? Number.NaN) && Number.isFinite(model.fixedSeconds);
    if (!usable(self.model)) {
      const probeTiles = Math.ceil((view.probeBytes * (self.model.sampleCount === 0 ? 1 : 4)) / bytesPerTile);
      const cap = Math.max(1, Math.floor(view.totalTiles / (4 * view.totalLanes)));
      return { kind: 'run', count: Math.max(1, Math.min(probeTiles, cap, remainingTiles)), reason: 'calibrating: model has too few batches' };
    }

    const laneOf = (d: number, available: number): PolicyLane => {
      const model = devices[d]!.model;
      return {
        device: d,
        available,
        fixedSeconds: model.fixedSeconds,
        bytesPerSecond: model.laneBytesPerSecond ?? 0,
        oneTile: available + model.predict(bytesPerTile),
      };
    };
    // A shared queue (a GPU) is one lane of the balance, free when its queue drains; worker
    // threads are one lane each, free when their batch in flight ends.
    const me = laneOf(deviceIndex, self.sharedQueue ? Math.max(now, self.predictedQueueEnd) : now);
    const others: PolicyLane[] = [];
    for (const state of devices) {
      if (!state.alive || !usable(state.model)) continue;
      if (state.sharedQueue) {
        if (state.index !== deviceIndex) others.push(laneOf(state.index, Math.max(now, state.predictedQueueEnd)));
        continue;
      }
      state.lanes.forEach((lane, l) => {
        if (state.index === deviceIndex && l === laneIndex) return;
        others.push(laneOf(state.index, lane.busy ? Math.max(now, lane.predictedFree) : now));
      });
    }
    const remainingBytes = remainingTiles * bytesPerTile;
    const finish = balancedFinish([me, ...others], remainingBytes);
    if (others.length > 0) {
      const finishWithout = balancedFinish(others, remainingBytes);
      // Strictly faster, by more than rounding: equal lanes must not each defer to the other.
      const someoneFaster = others.some((lane) => lane.oneTile < me.oneTile - 1e-9 * Math.max(1, me.oneTile));
      if (me.oneTile > finishWithout && someoneFaster) {
        return {
          kind: 'wait',
          reason: `one tile here would end at +${fmt(me.oneTile - now)}; the other lanes finish all ${remainingTiles} remaining tiles by +${fmt(finishWithout - now)}`,
        };
      }
    }

    const rate = me.bytesPerSecond;
    const share = laneShare(me, finish);
    // At most a few target batches: a fixed cost misjudged from noisy samples must not make giant batches.
    const target = Math.min(Math.max(view.targetBatchSeconds * rate, AMORTISE * me.fixedSeconds * rate), MAX_TARGETS * view.targetBatchSeconds * rate);
    let bytes: number;
    let reason: string;
    if (share >= 2 * target) {
      bytes = target;
      reason = `steady: ~${fmt(bytes / rate + me.fixedSeconds)} of work; all lanes predicted to finish at +${fmt(finish - now)}`;
    } else {
      // Where this device is alone (every other device gone: retired or lost; one still
      // calibrating must find work to calibrate, or fail, on), its lanes run the same code at the
      // same speed, and a share is taken whole up to a target batch over half the lanes (50 ms
      // for two threads, 100 ms for one lane, 6 ms for 16: the more lanes, the more the slowest
      // of their last batches sets the end). Halving it again and again buys batches that each
      // pay the fixed cost once more, and a model fitted from batches of similar sizes does not
      // see that cost well. On a 2-core machine, 2 threads alone, alternated in one process,
      // 8192²: a bar of a quarter of this (12.5 ms) made tile-stats u16 6 batches and 3.16 GB/s,
      // this bar 2 batches and 3.56 GB/s (u8 3.01 -> 3.30, histogram f32 4.62 -> 5.06).
      const alone = devices.every((state) => state.index === deviceIndex || !state.alive);
      if (alone && share <= ((2 * view.targetBatchSeconds) / (others.length + 1)) * rate) {
        bytes = share;
        reason = `tail: this lane's share (${(share / bytesPerTile).toFixed(1)} tiles) of the work left, whole: this device is alone; all lanes predicted to finish at +${fmt(finish - now)}`;
      } else {
        bytes = Math.max(share / 2, Math.min(share, TAIL_AMORTISE * me.fixedSeconds * rate));
        reason = `tail: half of this lane's share (${(share / bytesPerTile).toFixed(1)} tiles) of the work left; all lanes predicted to finish at +${fmt(finish - now)}`;
      }
    }
    const count = Math.max(1, Math.min(remainingTiles, Math.round(bytes / bytesPerTile)));
    return { kind: 'run', count, reason };
  }
}
