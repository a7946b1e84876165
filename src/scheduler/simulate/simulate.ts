import type { ArrayView } from '../../array/array-view.js';
import { DTYPE_INFO, type DType } from '../../array/dtype.js';
import type { AnyKernel } from '../../../kernels/types.js';
import type { BatchJob } from '../../devices/device.js';
import { makeTileGrid } from '../../tiling/tile-grid.js';
import { DmdaPolicy } from '../dmda-policy.js';
import { GreedyPolicy } from '../greedy-policy.js';
import { PerfModel, type SavedModel } from '../perf-model.js';
import type { SchedulingPolicy } from '../policy.js';
import { scheduleTiles, type ScheduleResult } from '../scheduler.js';
import { StaticPolicy } from '../static-policy.js';
import { makespanLowerBound } from './lower-bound.js';
import { VirtualClock } from './virtual-clock.js';
import { VirtualDevice, type VirtualDeviceSpec } from './virtual-device.js';

/** A machine and a job for the simulator. */
export interface Scenario {
  name: string;
  description: string;
  devices: VirtualDeviceSpec[];
  dtype: DType;
  height: number;
  width: number;
  tile: number;
  /** Run dmda twice and report the second run, which starts from the first run's saved models (as a second CLI run would). */
  warm?: boolean;
}

export interface SimulatedRun {
  policy: string;
  makespan: number;
  result: ScheduleResult;
}

/** Virtual devices ignore the data: a view with no bytes behind it is enough. */
function emptyView(dtype: DType, height: number, width: number): ArrayView {
  return { dtype, height, width, channels: 1, buffer: new SharedArrayBuffer(0), byteOffset: 0 };
}

const simulatedKernel = { name: 'simulated', kind: 'reduction' } as unknown as AnyKernel;

/** Runs the real scheduler with `policy` on the scenario's virtual devices in virtual time. */
export async function simulateRun(
  scenario: Scenario,
  policy: SchedulingPolicy,
  models?: readonly PerfModel[],
): Promise<SimulatedRun> {
  const clock = new VirtualClock();
  const devices = scenario.devices.map((spec) => new VirtualDevice(spec, clock));
  const view = emptyView(scenario.dtype, scenario.height, scenario.width);
  const grid = makeTileGrid(scenario.height, scenario.width, scenario.tile);
  const job: BatchJob = { kernel: simulatedKernel, view, params: {}, halo: 0 };
  const result = await clock.run(
    scheduleTiles(devices, job, grid, { clock, policy, ...(models ? { models } : {}), minBatchTimeoutSeconds: 1e6 }),
  );
  return { policy: policy.name, makespan: result.seconds, result };
}

export interface ScenarioOutcome {
  scenario: Scenario;
  bytes: number;
  lowerBound: number;
  dmda: SimulatedRun;
  static: SimulatedRun;
  greedy: SimulatedRun;
}

/** Batch size of both baselines: 16 MiB, a sensible fixed choice for GPUs and threads alike. */
export function baselineBatchTiles(scenario: Scenario): number {
  const tileBytes = scenario.tile * scenario.tile * DTYPE_INFO[scenario.dtype].bytesPerElement;
  return Math.max(1, Math.round((16 << 20) / tileBytes));
}

/** The scenario under dmda (cold or warm) and both baselines, with the fluid lower bound. */
export async function runScenario(scenario: Scenario): Promise<ScenarioOutcome> {
  const bytes = scenario.height * scenario.width * DTYPE_INFO[scenario.dtype].bytesPerElement;
  let dmda = await simulateRun(scenario, new DmdaPolicy());
  if (scenario.warm) {
    const saved: SavedModel[] = dmda.result.devices.map((device) => device.model.save());
    dmda = await simulateRun(scenario, new DmdaPolicy(), saved.map((model) => new PerfModel(model)));
  }
  const batchTiles = baselineBatchTiles(scenario);
  return {
    scenario,
    bytes,
    lowerBound: makespanLowerBound(scenario.devices, bytes),
    dmda,
    static: await simulateRun(scenario, new StaticPolicy(scenario.devices.map((d) => d.nominalBytesPerSecond), batchTiles)),
    greedy: await simulateRun(scenario, new GreedyPolicy(batchTiles)),
  };
}
