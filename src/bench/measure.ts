/**
 * Times one configuration of the real engine: runKernel on devices opened once, a warm-up run
 * (workers started, shaders compiled, the devices' performance models learned), then the repeats;
 * the figures are the median repeat's.
 */
import type { AnyKernel } from '../../kernels/types.js';
import { byteLength, type ArrayView } from '../array/array-view.js';
import type { Device } from '../devices/device.js';
import { runKernel, type PassRecord, type RunResult } from '../run.js';
import type { ModelStore } from '../scheduler/model-store.js';
import type { EngineRun, Timeline } from './result.js';

export interface Measured {
  run: EngineRun;
  /** The median repeat's main pass, for the timeline. */
  pass: PassRecord;
  /** The warm-up's result, for the checksum against the peers. */
  warmUp: RunResult;
}

export async function measureConfig(
  kernel: AnyKernel,
  view: ArrayView,
  params: unknown,
  devices: readonly Device[],
  label: string,
  tile: number,
  repeats: number,
  models: ModelStore,
): Promise<Measured> {
  const options = { devices, tile, models };
  const warmUp = await runKernel(kernel, view, params, options);
  const runs: { seconds: number; pass: PassRecord }[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const result = await runKernel(kernel, view, params, options);
    // Wall time of the whole call (a map's output allocation included): what a caller waits for.
    runs.push({ seconds: (performance.now() - start) / 1000, pass: result.schedule.at(-1)! });
  }
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  // The middle run (the upper one of an even count): its own schedule goes with its time.
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const bytes = byteLength(view);
  const tiles = median.pass.tiles;
  return {
    run: {
      kernel: kernel.name,
      dtype: view.dtype,
      size: view.height,
      tile,
      devices: devices.map((device) => device.info.id),
      label,
      tiles,
      bytes,
      seconds: median.seconds,
      times: runs.map((r) => r.seconds),
      gigabytesPerSecond: bytes / median.seconds / 1e9,
      tilesPerSecond: tiles / median.seconds,
      perDevice: median.pass.devices.map((record) => ({
        id: record.id,
        tiles: record.tiles,
        share: record.tiles / tiles,
        utilisation: median.pass.seconds > 0 ? record.busySeconds / median.pass.seconds : 0,
        busySeconds: record.busySeconds,
        gigabytesPerSecond: record.bytesPerSecond / 1e9,
      })),
    },
    pass: median.pass,
    warmUp,
  };
}

/** A pass as lanes of batches over time, for the report's timeline. */
export function timelineOf(pass: PassRecord, label: string): Timeline {
  const lanes = pass.devices.flatMap((device) => Array.from({ length: device.lanes }, (_, lane) => ({ device: device.id, lane })));
  return {
    label,
    seconds: pass.seconds,
    lanes,
    batches: pass.batches.map((batch) => ({
      device: batch.device,
      lane: batch.lane,
      start: batch.start,
      seconds: batch.seconds,
      firstTile: batch.firstTile,
      tiles: batch.tileCount,
      failed: batch.error !== undefined,
    })),
  };
}
