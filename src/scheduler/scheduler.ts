import { DTYPE_INFO } from '../array/dtype.js';
import type { BatchJob, BatchTiming, Device } from '../devices/device.js';
import { DeviceError } from '../errors.js';
import type { TileGrid } from '../tiling/tile-grid.js';
import { tileAt, tileRange } from '../tiling/tile-grid.js';
import { wallClock, type Clock } from './clock.js';
import { DmdaPolicy } from './dmda-policy.js';
import { PerfModel } from './perf-model.js';
import type { DeviceState, SchedulerView, SchedulingPolicy } from './policy.js';
import type { BatchRecord, DeviceRecord, FaultRecord, ScheduleResult } from './records.js';
import { WorkQueue, type RetryRange, type TileRange } from './work-queue.js';

export type { BatchRecord, DeviceRecord, FaultRecord, ScheduleResult } from './records.js';

export interface ScheduleOptions {
  /** Work per batch per lane once a device is calibrated. */
  targetBatchSeconds?: number;
  /** Size of a device's first (calibration) batch. */
  probeBytes?: number;
  onProgress?: (tilesDone: number, tilesTotal: number, bytesDone: number) => void;
  /** One performance model per device (from the model store); fresh ones when absent. */
  models?: readonly PerfModel[];
  policy?: SchedulingPolicy;
  clock?: Clock;
  /** Runs of one tile range before the run fails with its error. */
  maxAttempts?: number;
  /** A batch running longer than max(this, watchdogFactor x its prediction) is given up on and its device retired. */
  minBatchTimeoutSeconds?: number;
  watchdogFactor?: number;
  /**
   * Runs only these tiles of `grid` (a distributed worker's batch), in this order; partials come
   * back in the same order. Absent: every tile of the grid.
   */
  tileIndices?: readonly number[];
}

/** A scheduler failure that ends the run; carries what was recorded up to it. */
export class ScheduleFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly faults: FaultRecord[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Consecutive failed batches after which a device is retired for the rest of the run. */
const RETIRE_AFTER_FAILURES = 3;

/** The least time a probe (a batch run with no prediction) runs before an idle lane backs it up. */
const PROBE_GRACE_SECONDS = 1;

function tileBytes(width: number, height: number, channels: number, bytesPerElement: number): number {
  return width * height * channels * bytesPerElement;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs every tile of `grid` on `devices`, one async lane per batch a device may have in flight.
 * A free lane asks the policy (dmda by default) how many tiles to take; failed batches go back to
 * the queue to be run elsewhere (see WorkQueue and the fault handling below); every batch is
 * recorded with its prediction for traces and --explain. The clock is injected so the simulator
 * drives this same code in virtual time.
 */
export async function scheduleTiles(
  devices: readonly Device[],
  job: BatchJob,
  grid: TileGrid,
  options: ScheduleOptions = {},
): Promise<ScheduleResult> {
  const clock = options.clock ?? wallClock;
  const policy = options.policy ?? new DmdaPolicy();
  const maxAttempts = options.maxAttempts ?? 3;
  const minTimeout = options.minBatchTimeoutSeconds ?? 300;
  const watchdogFactor = options.watchdogFactor ?? 30;
  const bytesPerElement = DTYPE_INFO[job.view.dtype].bytesPerElement;
  const channels = job.view.channels;
  const totalBytes = tileBytes(job.view.width, job.view.height, channels, bytesPerElement);
  const subset = options.tileIndices;
  // Positions in the work queue are positions in `subset` when one is given.
  const tileCount = subset ? subset.length : grid.count;
  const tilesAt = (first: number, count: number) =>
    subset ? subset.slice(first, first + count).map((index) => tileAt(grid, index)) : tileRange(grid, first, count);
  const queue = new WorkQueue(tileCount);
  const states: DeviceState[] = devices.map((device, index) => ({
    index,
    device,
    model: Object.assign(options.models?.[index] ?? new PerfModel(), { lanes: device.sharedQueue === true ? 1 : device.concurrency }),
    alive: true,
    lanes: Array.from({ length: device.concurrency }, () => ({ busy: false, predictedFree: 0, startedAt: 0, bytes: 0 })),
    sharedQueue: device.sharedQueue === true,
    predictedQueueEnd: 0,
  }));
  const records = devices.map(() => ({ tiles: 0, bytes: 0, batches: 0, failures: 0, consecutiveFailures: 0, waits: 0, lastWait: null as string | null, retired: null as string | null, busy: 0, busySince: 0, active: 0, lastEnd: 0, lastSampleEnd: -1 }));
  const partials: unknown[] = new Array(tileCount);
  const batches: BatchRecord[] = [];
  const faults: FaultRecord[] = [];
  const startTime = clock.now();
  const now = (): number => clock.now() - startTime;
  const totalLanes = devices.reduce((sum, device) => sum + device.concurrency, 0);
  let tilesDone = 0;
  let bytesDone = 0;
  let inFlight = 0;
  let fatal: { error: unknown } | null = null;

  // Lanes with nothing to do wait for the next event (a batch starting, ending or failing).
  let waiters: (() => void)[] = [];
  const idle = new Set<string>();
  /** Bumps whenever a batch starts or ends: "nothing happened since" is "the epoch is the same". */
  let epoch = 0;
  /** In this epoch lanes run even where the policy would wait: nothing else would move. */
  let forceEpoch = -1;
  /** Lanes that found nothing they may take, and in which epoch. */
  const emptyHanded = new Map<string, number>();
  /**
   * Tile ranges handed out and not yet settled. At the end of a run a range can run twice: an
   * idle lane starts a backup of a straggler (a batch far past its prediction: a preempted thread,
   * a 5x outlier), the first result wins and the other is discarded (MapReduce's backup tasks).
   */
  interface Flight {
    range: TileRange & { retry?: RetryRange };
    device: number;
    start: number;
    /** Predicted duration, or null while uncalibrated. */
    predicted: number | null;
    bytes: number;
    runs: number;
    backedUp: boolean;
    done: boolean;
  }
  const flights = new Set<Flight>();
  let returned = false;
  /** One timer that wakes idle lanes when a batch in flight becomes a straggler (no event may come before). */
  let wakeTimer: { at: number; cancel: () => void } | null = null;
  const wakeAt = (at: number): void => {
    if (wakeTimer && wakeTimer.at <= at) return;
    wakeTimer?.cancel();
    const timer = clock.timer(Math.max(0, at - now()) + 1e-6);
    wakeTimer = { at, cancel: timer.cancel };
    void timer.promise.then(() => {
      wakeTimer = null;
      notify();
    });
  };
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const liveLanes = (): number => states.reduce((sum, s) => sum + (s.alive ? s.lanes.length : 0), 0);
  const notify = (): void => {
    const woken = waiters;
    waiters = [];
    idle.clear();
    woken.forEach((wake) => wake());
  };
  const progress = (): void => {
    epoch++;
    emptyHanded.clear();
  };
  /**
   * Waits for the next event. Where nothing is in flight and every other live lane waits too, no
   * event would ever come: instead every lane is woken to run regardless of the policy's wish.
   */
  const nextEvent = (lane: string): Promise<void> => {
    if (inFlight === 0 && queue.remaining > 0 && idle.size + 1 >= liveLanes()) {
      forceEpoch = epoch;
      notify();
      return Promise.resolve();
    }
    idle.add(lane);
    return new Promise((resolve) => waiters.push(resolve));
  };

  const view = (): SchedulerView => ({
    now: now(),
    queue,
    devices: states,
    bytesPerTile: totalBytes / Math.max(1, grid.count),
    totalTiles: tileCount,
    totalLanes,
    targetBatchSeconds: options.targetBatchSeconds ?? 0.05,
    probeBytes: options.probeBytes ?? 1 << 20,
  });

  /** Whether some other live device that can run the kernel has not failed this range yet. */
  const othersCanTry = (range: RetryRange, deviceIndex: number): boolean =>
    states.some((s) => s.alive && s.index !== deviceIndex && !range.failedOn.has(s.index));

  const take = (deviceIndex: number, count: number, within?: { from: number; to: number }): (TileRange & { retry?: RetryRange }) | null => {
    const retryFirst = queue.takeRetry(deviceIndex, count);
    if (retryFirst) return retryFirst;
    // A range every other live device has failed: this device is its only hope.
    const onlyHope = queue.takeRetry(deviceIndex, count, (range) => !othersCanTry(range, deviceIndex));
    if (onlyHope) return onlyHope;
    return within ? queue.takeFresh(count, within.from, within.to) : queue.takeFresh(count);
  };

  const retire = (deviceIndex: number, why: string): void => {
    const state = states[deviceIndex]!;
    if (!state.alive) return;
    state.alive = false;
    records[deviceIndex]!.retired = why;
  };

  /** Counts a failed run against its device and retires the device when it is lost, hung or failing in a row. */
  const countFailure = (deviceIndex: number, hungFor: number | null): void => {
    const record = records[deviceIndex]!;
    record.failures++;
    record.consecutiveFailures++;
    const lost = states[deviceIndex]!.device.lostReason?.() ?? null;
    if (lost !== null) retire(deviceIndex, `lost: ${lost}`);
    else if (hungFor !== null) retire(deviceIndex, `a batch hung for ${hungFor < 10 ? hungFor.toFixed(1) : hungFor.toFixed(0)} s`);
    else if (record.consecutiveFailures >= RETIRE_AFTER_FAILURES) retire(deviceIndex, `${record.consecutiveFailures} batches in a row failed`);
  };

  async function runBatch(
    deviceIndex: number,
    laneIndex: number,
    range: TileRange & { retry?: RetryRange },
    reason: string,
    backupOf?: Flight,
  ): Promise<void> {
    const state = states[deviceIndex]!;
    const record = records[deviceIndex]!;
    const device = state.device;
    const tiles = tilesAt(range.first, range.count);
    const bytes = tiles.reduce((sum, tile) => sum + tileBytes(tile.width, tile.height, channels, bytesPerElement), 0);
    const start = now();
    // A shared queue runs this batch after those already on it: predict from the queue's end.
    const queuedFrom = state.sharedQueue ? Math.max(start, state.predictedQueueEnd) : start;
    const predicted = state.model.calibrated ? queuedFrom - start + state.model.predict(bytes) : null;
    const lane = state.lanes[laneIndex]!;
    lane.busy = true;
    lane.startedAt = start;
    lane.bytes = bytes;
    lane.predictedFree = start + (predicted ?? 0);
    if (state.sharedQueue) state.predictedQueueEnd = lane.predictedFree;
    inFlight++;
    progress();
    if (record.active++ === 0) record.busySince = start;
    const flight: Flight = backupOf ?? { range, device: deviceIndex, start, predicted, bytes, runs: 0, backedUp: false, done: false };
    flight.runs++;
    flights.add(flight);
    const timing: BatchTiming = { transferSeconds: 0 };
    const timeoutSeconds = Math.max(minTimeout, watchdogFactor * (predicted ?? 0));
    const watchdog = clock.timer(timeoutSeconds);
    let timedOut = false;
    let results: unknown[] | undefined;
    let failure: unknown;
    try {
      const running = device.run(job, tiles, timing);
      running.catch(() => undefined); // a batch given up on may still fail later
      results = await Promise.race([
        running,
        watchdog.promise.then(() => {
          timedOut = true;
          throw new DeviceError(`${device.info.id} did not finish tiles ${range.first}..${range.first + range.count - 1} within ${timeoutSeconds < 10 ? timeoutSeconds.toFixed(1) : timeoutSeconds.toFixed(0)} s`);
        }),
      ]);
      if (results.length !== tiles.length) {
        throw new DeviceError(`device ${device.info.id} returned ${results.length} results for ${tiles.length} tiles`);
      }
    } catch (error) {
      failure = error;
    } finally {
      watchdog.cancel();
    }
    // The run has returned (this was the losing run of a backed-up straggler): record nothing.
    if (returned) return;
    const end = now();
    inFlight--;
    progress();
    lane.busy = false;
    if (--record.active === 0) record.busy += end - record.busySince;
    // On a shared queue a batch's own cost is the time since the batch before it ended.
    const serviceSeconds = state.sharedQueue ? end - Math.max(start, record.lastEnd) : end - start;
    record.lastEnd = end;
    if (state.sharedQueue) {
      // A queue serves in order: the batches still on it run one after another from now. Predicting
      // from this moment, rather than from earlier predictions, keeps errors from piling up.
      let queueEnd = end;
      if (state.model.calibrated) {
        for (const other of state.lanes.filter((l) => l.busy).sort((a, b) => a.startedAt - b.startedAt)) {
          queueEnd += state.model.predict(other.bytes);
          other.predictedFree = queueEnd;
        }
      }
      state.predictedQueueEnd = queueEnd;
    }
    flight.runs--;
    const attempt = (range.retry?.attempts ?? 0) + 1;
    const batch: BatchRecord = {
      device: device.info.id,
      lane: laneIndex,
      firstTile: range.first,
      tileCount: range.count,
      bytes,
      start,
      seconds: end - start,
      transferSeconds: timing.transferSeconds,
      predictedSeconds: predicted,
      reason,
      attempt,
    };
    batches.push(batch);
    if (backupOf) batch.reason = `backup of a straggler on ${states[backupOf.device]!.device.info.id}: ${reason}`;

    if (flight.done || (failure !== undefined && flight.runs > 0)) {
      // This run does not settle the range: the other run won, or may still succeed (then the
      // tiles wait for it rather than run a third time). A failure still counts against this
      // device, so a lost or broken device is retired even when its work was covered.
      if (flight.done) batch.reason = `${batch.reason} (lost the race: the other run finished first)`;
      if (failure !== undefined) {
        batch.error = messageOf(failure);
        countFailure(deviceIndex, timedOut ? timeoutSeconds : null);
        const covered = flight.done ? 'ignored: another run of these tiles finished first' : 'ignored: another run of these tiles is still going';
        faults.push({ device: device.info.id, firstTile: range.first, tileCount: range.count, attempt, message: batch.error, at: end, action: `${covered}${state.alive ? '' : `; ${device.info.id} retired (${record.retired})`}` });
      }
      if (flight.done && flight.runs === 0) flights.delete(flight);
      notify();
      return;
    }
    flight.done = true;
    if (flight.runs === 0) flights.delete(flight);

    if (results !== undefined && failure === undefined) {
      // A queued batch's own transfers overlap others' work like the rest of its time: scale them alike.
      const wall = end - start;
      const transferSeconds = wall > 0 ? (timing.transferSeconds * serviceSeconds) / wall : 0;
      const sample = { bytes, seconds: serviceSeconds, transferSeconds };
      // Completions of one shared queue reported together (same poll of the driver) make one sample.
      const together = state.sharedQueue && record.lastSampleEnd >= 0 && end - record.lastSampleEnd < Math.max(0.001, 0.05 * (end - start));
      if (together) state.model.extendLast(sample);
      else state.model.observe(sample);
      record.lastSampleEnd = end;
      results.forEach((partial, i) => (partials[range.first + i] = partial));
      record.tiles += range.count;
      record.bytes += bytes;
      record.batches++;
      record.consecutiveFailures = 0;
      tilesDone += range.count;
      bytesDone += bytes;
      options.onProgress?.(tilesDone, tileCount, bytesDone);
      if (tilesDone === tileCount) allDone();
      notify();
      return;
    }

    batch.error = messageOf(failure);
    countFailure(deviceIndex, timedOut ? timeoutSeconds : null);
    const retry = queue.fail(range, deviceIndex, failure, range.retry);
    const anyAlive = states.some((s) => s.alive);
    let action: string;
    if (retry.attempts >= maxAttempts) {
      action = `gave up: these tiles failed ${retry.attempts} times`;
      fatal ??= { error: failure };
    } else if (!anyAlive) {
      action = 'gave up: no device is left';
      fatal ??= { error: failure };
    } else {
      action = `tiles queued again${state.alive ? '' : `; ${device.info.id} retired (${record.retired})`}`;
    }
    faults.push({ device: device.info.id, firstTile: range.first, tileCount: range.count, attempt, message: batch.error, at: end, action });
    notify();
  }

  /**
   * A batch worth running again here: no tiles are left to hand out, it has run more than twice
   * its predicted time (a probe: twice this lane's prediction and at least PROBE_GRACE_SECONDS;
   * either: at least a steady batch's), nobody backs it up yet, and this lane's
   * own model says it would finish it before the straggler's elapsed time again.
   */
  const stragglerFor = (deviceIndex: number): Flight | null => {
    const t = now();
    const target = view().targetBatchSeconds;
    /** When an idle lane of device d would finish `bytes` started now, or null if it cannot tell. */
    const finishOn = (d: number, bytes: number): number | null => {
      const other = states[d]!;
      if (!other.alive || !other.model.calibrated) return null;
      return (other.sharedQueue ? Math.max(t, other.predictedQueueEnd) : t) + other.model.predict(bytes);
    };
    const mine = (flight: Flight): number | null => (flight.device === deviceIndex && states[deviceIndex]!.sharedQueue ? null : finishOn(deviceIndex, flight.bytes));
    let worst: Flight | null = null;
    let nextEligible = Number.POSITIVE_INFINITY;
    for (const flight of flights) {
      if (flight.done || flight.backedUp) continue;
      const here = mine(flight);
      // A probe (a device's first batch) has no prediction: judge it by this lane's own, and give
      // it at least PROBE_GRACE_SECONDS, since a first batch pays one-time costs (shader compiles,
      // worker start-up) that no steady model includes.
      const eligibleAt =
        flight.predicted !== null
          ? flight.start + Math.max(2 * flight.predicted, target)
          : here === null
            ? null
            : flight.start + Math.max(2 * (here - t), target, PROBE_GRACE_SECONDS);
      if (eligibleAt === null) continue;
      if (t < eligibleAt) {
        nextEligible = Math.min(nextEligible, eligibleAt);
        continue;
      }
      if (here === null || here - t >= t - flight.start) continue;
      // Leave it to an idle lane of another device that would finish it sooner (it is woken below).
      const better = states.some(
        (other) =>
          other.index !== deviceIndex &&
          other.lanes.some((lane) => !lane.busy) &&
          !(other.index === flight.device && other.sharedQueue) &&
          (finishOn(other.index, flight.bytes) ?? Number.POSITIVE_INFINITY) < here,
      );
      if (better) {
        queueMicrotask(notify);
        continue;
      }
      if (!worst || flight.start < worst.start) worst = flight;
    }
    if (worst) worst.backedUp = true;
    else if (Number.isFinite(nextEligible)) wakeAt(nextEligible);
    return worst;
  };

  async function laneLoop(deviceIndex: number, laneIndex: number): Promise<void> {
    const state = states[deviceIndex]!;
    const id = `${deviceIndex}:${laneIndex}`;
    for (;;) {
      if (fatal !== null || !state.alive || tilesDone === tileCount) return;
      if (queue.remaining === 0) {
        if (inFlight === 0) {
          notify();
          return;
        }
        const straggler = stragglerFor(deviceIndex);
        if (straggler) {
          await runBatch(deviceIndex, laneIndex, straggler.range, `its run is ${(now() - straggler.start).toFixed(3)} s old, predicted ${straggler.predicted === null ? 'nothing (a probe)' : `${straggler.predicted.toFixed(3)} s`}`, straggler);
          continue;
        }
        await nextEvent(id);
        continue;
      }
      let decision = policy.decide(view(), deviceIndex, laneIndex);
      if (decision.kind === 'wait') {
        // Failed tiles go first to a device that has not failed them, whatever the balance says.
        const retry = queue.retries.find((range) => !range.failedOn.has(deviceIndex));
        if (retry) {
          // About one steady batch of this lane's work, never the whole of a fast device's batch.
          const rate = state.model.calibrated ? state.model.laneBytesPerSecond : null;
          const { targetBatchSeconds, bytesPerTile } = view();
          const batchTiles = rate !== null && Number.isFinite(rate) ? Math.max(1, Math.round((targetBatchSeconds * rate) / bytesPerTile)) : retry.count;
          decision = { kind: 'run', count: Math.min(retry.count, batchTiles), reason: `retry: tiles ${retry.first}..${retry.first + retry.count - 1} failed on another device` };
        }
      }
      if (decision.kind === 'wait' && forceEpoch === epoch) {
        decision = { kind: 'run', count: 1, reason: `every lane chose to wait with nothing running (${decision.reason}); ran a tile here` };
      }
      if (decision.kind === 'wait') {
        records[deviceIndex]!.waits++;
        records[deviceIndex]!.lastWait = decision.reason;
        await nextEvent(id);
        continue;
      }
      // A policy's arithmetic on odd models (zero or infinite rates) must not corrupt the queue.
      const count = Number.isFinite(decision.count) ? Math.max(1, Math.floor(decision.count)) : 1;
      const range = take(deviceIndex, count, decision.within);
      if (range === null) {
        // Only tiles this lane may not take are left (a retry another device should run first).
        emptyHanded.set(id, epoch);
        if (inFlight === 0 && emptyHanded.size >= liveLanes()) {
          fatal ??= { error: new Error(`scheduler stalled with ${queue.remaining} tiles no device may take (policy ${policy.name}); this is a bug in tilerun`) };
          notify();
          return;
        }
        await nextEvent(id);
        continue;
      }
      await runBatch(deviceIndex, laneIndex, range, decision.reason);
    }
  }

  const lanes: Promise<void>[] = [];
  states.forEach((state) => state.lanes.forEach((_, l) => lanes.push(laneLoop(state.index, l))));
  // Done when every lane has stopped, or when every tile has a result: a straggler whose backup
  // won may still be running, and its result will be discarded.
  if (tileCount === 0) allDone();
  await Promise.race([Promise.all(lanes), finished]);
  returned = true;
  (wakeTimer as { cancel: () => void } | null)?.cancel();
  notify();
  const deviceRecords = (end: number): DeviceRecord[] =>
    states.map((state, d) => {
      const record = records[d]!;
      const busySeconds = record.busy + (record.active > 0 ? end - record.busySince : 0);
      return {
        id: state.device.info.id,
        description: state.device.info.description,
        software: state.device.info.software,
        tiles: record.tiles,
        bytes: record.bytes,
        batches: record.batches,
        busySeconds,
        bytesPerSecond: busySeconds > 0 ? record.bytes / busySeconds : 0,
        lanes: state.lanes.length,
        sharedQueue: state.sharedQueue,
        failures: record.failures,
        retired: record.retired,
        waits: record.waits,
        lastWaitReason: record.lastWait,
        model: state.model,
      };
    });

  const end = now();
  const failed = fatal as { error: unknown } | null;
  if (failed !== null) {
    // What ran before the failure travels with the error, for --trace and --explain of a failed run.
    const partial: Omit<ScheduleResult, 'partials'> = { seconds: end, batches, faults, policy: policy.name, devices: deviceRecords(end) };
    throw failed.error instanceof Error ? Object.assign(failed.error, { faults, scheduled: partial }) : Object.assign(new ScheduleFailure(failed.error, faults), { scheduled: partial });
  }
  if (queue.remaining > 0) throw new DeviceError(`no device could run the remaining ${queue.remaining} tiles`);
  return { partials, seconds: end, batches, faults, policy: policy.name, devices: deviceRecords(end) };
}
