import type { AnyKernel } from '../../kernels/types.js';
import type { ArrayView } from '../array/array-view.js';
import { DTYPE_INFO } from '../array/dtype.js';
import type { BatchJob, Device } from '../devices/device.js';
import { planPass } from '../tiling/plan-pass.js';
import { makeTileGrid } from '../tiling/tile-grid.js';
import { DmdaPolicy } from './dmda-policy.js';
import { modelKey } from './model-key.js';
import type { ModelStore } from './model-store.js';
import { PerfModel } from './perf-model.js';
import { scheduleTiles } from './scheduler.js';
import { ModelDevice } from './simulate/model-device.js';
import { VirtualClock } from './simulate/virtual-clock.js';

export interface PlannedDevice {
  id: string;
  description: string;
  lanes: number;
  /** Batches its stored model has seen, or 0 where there is none (the device is left out of the prediction). */
  modelBatches: number;
  tiles: number;
  share: number;
  busySeconds: number;
  bytesPerSecond: number;
}

export interface RunPlan {
  kernel: string;
  array: { dtype: string; height: number; width: number; channels: number; bytes: number };
  tiles: number;
  tileHeight: number;
  tileWidth: number;
  /** Null when no chosen device has a model for this job yet. */
  predictedSeconds: number | null;
  devices: PlannedDevice[];
  notes: string[];
}

/**
 * Predicts a run from the stored performance models without running it: the real scheduler
 * (dmda) runs over stand-in devices whose batches take what each model predicts, in virtual
 * time. Devices with no model for this job are left out of the prediction, and the plan says so.
 */
export async function planRun(kernel: AnyKernel, view: ArrayView, params: unknown, devices: readonly Device[], store: ModelStore, tile?: number): Promise<RunPlan> {
  kernel.validateParams(view, params);
  const usable = devices.filter((device) => device.supports(kernel));
  const notes: string[] = [];
  for (const device of devices) if (!usable.includes(device)) notes.push(`${device.info.id} cannot run kernel ${kernel.name}`);
  const { halo, tileEdge } = planPass(kernel, view, params, usable.length > 0 ? usable : devices, tile);
  const grid = makeTileGrid(view.height, view.width, tileEdge, tileEdge, halo);
  const job: BatchJob = { kernel, view, params, halo };
  const loaded = store.load();
  if (loaded.problem) notes.push(`performance models: ${loaded.problem}`);
  const withModels = usable.map((device) => {
    const saved = loaded.models.get(modelKey(job, grid, device, params, usable));
    return { device, model: saved ? new PerfModel(saved) : null };
  });
  const modelled = withModels.filter((d): d is { device: Device; model: PerfModel } => d.model !== null && d.model.calibrated);
  for (const { device, model } of withModels) {
    if (model === null || !model.calibrated) {
      notes.push(`${device.info.id} has no performance model for this job (kernel, parameters, dtype, ${grid.tileHeight}x${grid.tileWidth} tiles): left out; one run that uses it calibrates it`);
    }
  }
  if (kernel.prepare) notes.push(`kernel ${kernel.name} may make a first pass over the data (its prepare step); the plan covers the main pass only`);
  const bytesPerElement = DTYPE_INFO[view.dtype].bytesPerElement;
  const bytes = view.height * view.width * view.channels * bytesPerElement;
  const base = {
    kernel: kernel.name,
    array: { dtype: view.dtype, height: view.height, width: view.width, channels: view.channels, bytes },
    tiles: grid.count,
    tileHeight: grid.tileHeight,
    tileWidth: grid.tileWidth,
    notes,
  };
  const plannedDevices = (result?: Awaited<ReturnType<typeof scheduleTiles>>): PlannedDevice[] =>
    usable.map((device) => {
      const record = result?.devices.find((d) => d.id === device.info.id);
      const model = withModels.find((d) => d.device === device)!.model;
      return {
        id: device.info.id,
        description: device.info.description,
        lanes: device.concurrency,
        modelBatches: model?.observed ?? 0,
        tiles: record?.tiles ?? 0,
        share: record && grid.count > 0 ? record.tiles / grid.count : 0,
        busySeconds: record?.busySeconds ?? 0,
        bytesPerSecond: record?.bytesPerSecond ?? 0,
      };
    });
  if (modelled.length === 0) return { ...base, predictedSeconds: null, devices: plannedDevices() };

  const clock = new VirtualClock();
  const stand = modelled.map(({ device, model }) => new ModelDevice(device, model, clock));
  // The scheduler refines the models it is given: hand it copies, so the prediction uses the stored ones.
  const models = modelled.map(({ model }) => new PerfModel(model.save()));
  const result = await clock.run(scheduleTiles(stand, job, grid, { clock, policy: new DmdaPolicy(), models, minBatchTimeoutSeconds: 1e9 }));
  return { ...base, predictedSeconds: result.seconds, devices: plannedDevices(result) };
}
