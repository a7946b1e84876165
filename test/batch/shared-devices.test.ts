import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { parseParams } from '../../kernels/params.js';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import { defaultTileStatsParams, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import { arrayFromElements, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import type { WebGpuDevice } from '../../src/devices/webgpu.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { randomSource } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

/**
 * A batch overlaps inputs by running two runs at once on the same open devices. These tests hold
 * the devices to that: the CPU pool's task queue and the WebGPU device's buffer slots serve two
 * schedulers at once without mixing their tiles, and each run's records, models and result are
 * its own and the same as a run alone.
 */
function randomU8(height: number, width: number, seed: number): ArrayView {
  const random = randomSource(seed);
  return arrayFromElements('u8', height, width, 1, Array.from({ length: height * width }, () => Math.floor(random() * 256)));
}

type Stats = RunResult<TileStatsParams, TileStatsPartial>;

describe.skipIf(skipWebGpu)('two runs at once on shared devices', () => {
  let cpu: CpuPoolDevice;
  let gpu: WebGpuDevice;
  beforeAll(async () => {
    cpu = new CpuPoolDevice({ threads: 2 });
    gpu = await openWebGpu();
  });
  afterAll(async () => {
    await cpu?.close();
    await gpu?.close();
  });

  const stats = (view: ArrayView, devices: Device[]): Promise<Stats> =>
    runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, defaultTileStatsParams('u8'), { devices, tile: 64, targetBatchSeconds: 0.005, models: false });

  it('tile-stats of two arrays at once equals each run alone, and each run records only its own tiles', async () => {
    const first = randomU8(700, 650, 1);
    const second = randomU8(500, 900, 2);
    const aloneFirst = await stats(first, [cpu]);
    const aloneSecond = await stats(second, [cpu]);
    // On the GPU alone both runs certainly share its buffer slots and queue.
    const [gpuFirst, gpuSecond] = await Promise.all([stats(first, [gpu]), stats(second, [gpu])]);
    expect(gpuFirst.partials).toEqual(aloneFirst.partials);
    expect(gpuSecond.partials).toEqual(aloneSecond.partials);
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([stats(first, [cpu, gpu]), stats(second, [cpu, gpu])]);
      expect(a.partials).toEqual(aloneFirst.partials);
      expect(b.partials).toEqual(aloneSecond.partials);
      for (const [run, view] of [[a, first], [b, second]] as const) {
        expect(run.devices.reduce((sum, device) => sum + device.tiles, 0)).toBe(run.grid.count);
        expect(run.devices.reduce((sum, device) => sum + device.bytes, 0)).toBe(view.height * view.width);
        expect(run.batches.every((batch) => batch.firstTile + batch.tileCount <= run.grid.count)).toBe(true);
      }
    }
  });

  it('a map kernel writes each run\'s output array, never the other run\'s', async () => {
    // Integer block means are bit-identical on every backend, so the outputs compare exactly.
    const downsample = getKernel('downsample');
    const params = parseParams('downsample', downsample.params, ['factor=2', 'reduce=mean']);
    const first = randomU8(400, 333, 3);
    const second = randomU8(300, 450, 4);
    const run = (view: ArrayView, devices: Device[]) => runKernel(downsample, view, params, { devices, tile: 64, targetBatchSeconds: 0.005, models: false });
    const aloneFirst = await run(first, [cpu]);
    const aloneSecond = await run(second, [cpu]);
    const [gpuA, gpuB] = await Promise.all([run(first, [gpu]), run(second, [gpu])]);
    expect(Array.from(elementsOf(gpuA.output!))).toEqual(Array.from(elementsOf(aloneFirst.output!)));
    expect(Array.from(elementsOf(gpuB.output!))).toEqual(Array.from(elementsOf(aloneSecond.output!)));
    const [a, b] = await Promise.all([run(first, [cpu, gpu]), run(second, [cpu, gpu])]);
    expect(Array.from(elementsOf(a.output!))).toEqual(Array.from(elementsOf(aloneFirst.output!)));
    expect(Array.from(elementsOf(b.output!))).toEqual(Array.from(elementsOf(aloneSecond.output!)));
  });
});
