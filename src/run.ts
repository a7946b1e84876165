import type { AnyKernel, AnyReductionKernel, ReduceWith } from '../kernels/types.js';
import { allocateArray, type ArrayView } from './array/array-view.js';
import { DTYPE_INFO } from './array/dtype.js';
import { kernelRef } from '../kernels/load-module.js';
import { CpuPoolDevice } from './devices/cpu-pool.js';
import { InProcessCpuDevice } from './devices/in-process.js';
import { batchJob, type BatchJob, type Device } from './devices/device.js';
import { openDevices, type DeviceSelection } from './devices/select.js';
import { DeviceError, UsageError } from './errors.js';
import { planPass } from './tiling/plan-pass.js';
export { checkOutputShape } from './array/output-shape.js';
import { modelKey } from './scheduler/model-key.js';
import { ModelStore } from './scheduler/model-store.js';
import { PerfModel, type SavedModel } from './scheduler/perf-model.js';
import type { SchedulingPolicy } from './scheduler/policy.js';
import { scheduleTiles, type BatchRecord, type DeviceRecord, type FaultRecord, type ScheduleResult } from './scheduler/scheduler.js';
import { stitchPartials, type Merging } from './stitch/stitch.js';
import { makeTileGrid, type TileGrid } from './tiling/tile-grid.js';

/** Per-tile results are kept in memory (and printed); a run whose results exceed this is refused. */
export const MAX_RESULT_BYTES = 2 ** 30;

export interface RunOptions {
  /** Devices to open (default auto); ignored when `devices` is given. */
  selection?: DeviceSelection;
  /** Already-open devices to use (the caller closes them). */
  devices?: readonly Device[];
  /** Square tile edge; fitted to the devices' limits when absent. */
  tile?: number;
  threads?: number;
  /** Called as batches finish; `pass` counts from 1 (a kernel may make a first pass). */
  onProgress?: (tilesDone: number, tilesTotal: number, bytesDone: number, pass: number) => void;
  targetBatchSeconds?: number;
  /** Where performance models persist between runs (default: the user's cache directory); false keeps them in memory only. */
  models?: ModelStore | false;
  /** Start every device uncalibrated and replace its stored model. */
  recalibrate?: boolean;
  /** How free lanes choose their batches (default dmda); benches compare others. */
  policy?: SchedulingPolicy;
}

/** One pass over the tiles (a kernel's first pass, then its main pass), as the scheduler ran it. */
export interface PassRecord {
  pass: number;
  kernel: string;
  tiles: number;
  tileHeight: number;
  tileWidth: number;
  /** Seconds since the run started. */
  start: number;
  seconds: number;
  policy: string;
  devices: DeviceRecord[];
  batches: BatchRecord[];
  faults: FaultRecord[];
  /** Per device: whether its model came from the cache, and its key there. */
  models: { device: string; key: string; fromCache: boolean }[];
}

export interface RunResult<Params = unknown, Partial = unknown> {
  kernel: string;
  kind: 'reduction' | 'map';
  /** Parameters every tile ran with (after any first pass). */
  params: Params;
  array: { dtype: string; height: number; width: number; channels: number; bytes: number };
  grid: TileGrid;
  /** Reductions: one partial per tile, in tile order (empty for maps). */
  partials: Partial[];
  /** Reductions: all partials stitched (undefined for maps). */
  whole: Partial;
  /** Maps: the output array. */
  output?: ArrayView;
  devices: DeviceRecord[];
  batches: BatchRecord[];
  /** Every pass, first passes included: for traces and --explain. */
  schedule: PassRecord[];
  /** Failures the run survived (a batch re-run elsewhere, a device retired). */
  faults: FaultRecord[];
  /** Passes over the data (2 when a first pass found a histogram range or a normalisation's). */
  passes: number;
  seconds: number;
  notes: string[];
}

/**
 * Names a user kernel's file in its errors, so a failure points at the module that caused it. An
 * error thrown by a module's own code is the user's to fix, not a bug in tilerun: it becomes a
 * UsageError (exit code 2, no tilerun stack), keeping what the run recorded.
 */
export function blameModule(kernel: AnyKernel, error: unknown): unknown {
  const file = (kernel as { moduleFile?: string }).moduleFile;
  if (file === undefined || !(error instanceof Error)) return error;
  if (!error.message.includes(file)) error.message = `kernel module ${file}: ${error.message}`;
  if (error instanceof UsageError || error instanceof DeviceError) return error;
  const { faults, schedule } = error as { faults?: unknown; schedule?: unknown };
  return Object.assign(new UsageError(error.message, { cause: error }), faults === undefined ? {} : { faults }, schedule === undefined ? {} : { schedule });
}

/**
 * The one library entry point: runs a kernel over every tile of `view` on the chosen devices.
 * A reduction's partials are stitched into one answer; a map's tiles fill an output array.
 */
export async function runKernel<Params, Partial>(
  kernel: AnyKernel,
  view: ArrayView,
  userParams: Params,
  options: RunOptions = {},
): Promise<RunResult<Params, Partial>> {
  try {
    kernel.validateParams(view, userParams);
  } catch (error) {
    throw blameModule(kernel, error);
  }
  const opened = options.devices
    ? { devices: [...options.devices], notes: [] }
    : await openDevices(options.selection ?? { auto: true, kinds: [] }, {
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
  const ownsDevices = !options.devices;
  const fallbacks: Device[] = [];
  try {
    /**
     * The chosen devices that can run a kernel. Where none can, its CPU implementation runs on
     * a device opened for it (every kernel has one): the worker pool for kernels the threads can
     * load, else the main thread, and the run's notes say so.
     */
    const devicesFor = (k: AnyKernel): Device[] => {
      const usable = opened.devices.filter((device) => device.supports(k));
      if (usable.length > 0) return usable;
      if (typeof k.cpu !== 'function') {
        throw new UsageError(`none of the chosen devices (${opened.devices.map((d) => d.info.id).join(', ') || 'none'}) can run kernel ${k.name}`);
      }
      const poolCanLoad = kernelRef(k) !== null;
      const fallback: Device = poolCanLoad
        ? new CpuPoolDevice({ ...(options.threads === undefined ? {} : { threads: options.threads }) })
        : new InProcessCpuDevice();
      fallbacks.push(fallback);
      opened.notes.push(
        `kernel ${k.name} ran on ${poolCanLoad ? 'the CPU pool' : "the main thread (its CPU implementation; worker threads cannot load a kernel object made at run time)"}: none of the chosen devices (${opened.devices.map((d) => d.info.id).join(', ')}) implements it`,
      );
      return [fallback];
    };
    const bytesPerElement = DTYPE_INFO[view.dtype].bytesPerElement;

    const plan = (params: Params, devices: readonly Device[]) => planPass(kernel, view, params, devices, options.tile);

    const devices = devicesFor(kernel);
    // First passes use the tile edge planned from the user's parameters.
    const { tileEdge } = plan(userParams, devices);
    if (kernel.kind === 'reduction') {
      const tileCount = makeTileGrid(view.height, view.width, tileEdge).count;
      const resultBytes = tileCount * kernel.partialBytes(view, userParams);
      if (resultBytes > MAX_RESULT_BYTES) {
        throw new UsageError(
          `${tileCount} tiles of ${kernel.name} results would take about ${(resultBytes / 2 ** 30).toFixed(1)} GiB, more than the ${MAX_RESULT_BYTES / 2 ** 30} GiB tilerun keeps in memory: use a larger --tile or fewer --bins`,
        );
      }
    }

    const started = performance.now();
    const scheduleOptions = {
      ...(options.targetBatchSeconds === undefined ? {} : { targetBatchSeconds: options.targetBatchSeconds }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    };
    const store = options.models === false ? null : (options.models ?? new ModelStore());
    let stored: Map<string, SavedModel> | null = null;
    const storedModels = (): Map<string, SavedModel> => {
      if (stored === null) {
        const loaded = store ? store.load() : { models: new Map<string, SavedModel>() };
        if (loaded.problem) opened.notes.push(`performance models: ${loaded.problem}`);
        stored = loaded.models;
      }
      return stored;
    };
    let passes = 0;
    let devicesRecord: DeviceRecord[] = [];
    let batches: BatchRecord[] = [];
    const schedule: PassRecord[] = [];

    /** One pass over every tile: compiles on each device first, then schedules with the devices' stored models. */
    const pass = async (job: BatchJob, grid: TileGrid, chosenDevices: Device[], keyParams: unknown) => {
      passes++;
      const passNumber = passes;
      const passDevices: Device[] = [];
      let firstFailure: unknown;
      for (const device of chosenDevices) {
        try {
          await device.prepare?.(job);
          passDevices.push(device);
        } catch (error) {
          // A module whose shader or gpu.js function does not build is bad input, not a device fault.
          if ((job.kernel as { moduleFile?: string }).moduleFile !== undefined && error instanceof Error) throw new UsageError(error.message);
          firstFailure ??= error;
          // A built-in kernel that one device cannot prepare (a crashed browser page, a lost
          // adapter) runs on the others; only when none is left does the run fail.
          opened.notes.push(`${device.info.id} left out of pass ${passNumber}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (passDevices.length === 0) throw firstFailure;
      const keys = passDevices.map((device) => modelKey(job, grid, device, keyParams, passDevices));
      const saved = storedModels();
      const models = keys.map((key) => {
        const model = options.recalibrate ? undefined : saved.get(key);
        return new PerfModel(model);
      });
      const saveModels = () => {
        if (!store) return;
        const updates = new Map<string, SavedModel>();
        models.forEach((model, i) => {
          if (model.observedHere > 0) updates.set(keys[i]!, model.save());
        });
        // Nothing learned and nothing to discard: leave the file alone (a save locks, reads and rewrites it).
        if (updates.size === 0 && !options.recalibrate) return;
        const problem = store.save(updates, options.recalibrate ? keys : []);
        if (problem) opened.notes.push(`performance models: ${problem}`);
        for (const [key, model] of updates) saved.set(key, model);
      };
      const onProgress = options.onProgress;
      const passStart = (performance.now() - started) / 1000;
      const record = (scheduled: Omit<ScheduleResult, 'partials'>): void => {
        schedule.push({
          pass: passNumber,
          kernel: job.kernel.name,
          tiles: grid.count,
          tileHeight: grid.tileHeight,
          tileWidth: grid.tileWidth,
          start: passStart,
          seconds: scheduled.seconds,
          policy: scheduled.policy,
          devices: scheduled.devices,
          batches: scheduled.batches,
          faults: scheduled.faults,
          models: passDevices.map((device, i) => ({ device: device.info.id, key: keys[i]!, fromCache: models[i]!.fromCache })),
        });
      };
      let scheduled;
      try {
        scheduled = await scheduleTiles(passDevices, job, grid, {
          ...scheduleOptions,
          models,
          ...(onProgress ? { onProgress: (done: number, total: number, bytes: number) => onProgress(done, total, bytes, passNumber) } : {}),
        });
      } catch (error) {
        // A failed pass is still recorded: the CLI writes the trace and explanation it was asked for.
        const partial = (error as { scheduled?: Omit<ScheduleResult, 'partials'> }).scheduled;
        if (partial) record(partial);
        if (error instanceof Error) Object.assign(error, { schedule });
        throw error;
      } finally {
        saveModels();
      }
      devicesRecord = scheduled.devices;
      batches = scheduled.batches;
      record(scheduled);
      for (const record of scheduled.devices) {
        if (record.retired) opened.notes.push(`${record.id} stopped taking work in pass ${passNumber} (${record.retired}); its tiles ran on the other devices`);
      }
      if (scheduled.faults.length > 0) {
        opened.notes.push(`${scheduled.faults.length} batch${scheduled.faults.length === 1 ? '' : 'es'} failed and ran again elsewhere; the result is the same as a clean run's`);
      }
      return scheduled;
    };

    /**
     * Runs a reduction (with its own first pass, if any) over the whole array. A first pass the
     * chosen devices cannot run (say tile-stats under --devices gpujs) runs on a CPU pool opened
     * for it: every kernel has a CPU implementation.
     */
    const reduce: ReduceWith = async <P, R>(reduction: AnyReductionKernel, params: P): Promise<R> => {
      const prepared = reduction.prepare ? ((await reduction.prepare(view, params, reduce)) as P) : params;
      const reductionHalo = reduction.halo(view, prepared);
      const grid = makeTileGrid(view.height, view.width, tileEdge, tileEdge, reductionHalo);
      const job = batchJob(reduction, view, prepared, reductionHalo);
      const scheduled = await pass(job, grid, devicesFor(reduction), params);
      return stitchPartials(scheduled.partials as R[], reduction as Merging<R>);
    };

    let params = userParams;
    if (kernel.prepare) params = (await kernel.prepare(view, userParams, reduce)) as Params;
    // prepare may change what the halo, the output or the tile depend on: plan again.
    const { halo, shape, tileEdge: finalEdge } = plan(params, devices);
    const grid = makeTileGrid(view.height, view.width, finalEdge, finalEdge, halo);
    const out = shape ? allocateArray(shape.dtype, shape.height, shape.width, shape.channels) : undefined;
    const job = batchJob(kernel, view, params, halo, out);
    const scheduled = await pass(job, grid, devices, userParams);
    const partials = kernel.kind === 'reduction' ? (scheduled.partials as Partial[]) : [];
    return {
      kernel: kernel.name,
      kind: kernel.kind,
      params,
      array: {
        dtype: view.dtype,
        height: view.height,
        width: view.width,
        channels: view.channels,
        bytes: view.height * view.width * view.channels * bytesPerElement,
      },
      grid,
      partials,
      whole: (kernel.kind === 'reduction' ? stitchPartials(partials, kernel as Merging<Partial>) : undefined) as Partial,
      ...(out ? { output: out } : {}),
      devices: devicesRecord,
      batches,
      schedule,
      faults: schedule.flatMap((p) => p.faults),
      passes,
      seconds: (performance.now() - started) / 1000,
      notes: opened.notes,
    };
  } catch (error) {
    throw blameModule(kernel, error);
  } finally {
    await Promise.allSettled(fallbacks.map((device) => device.close()));
    if (ownsDevices) await Promise.allSettled(opened.devices.map((device) => device.close()));
  }
}
