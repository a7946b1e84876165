import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import { defaultTileStatsParams, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import { reportChannel } from '../../kernels/tile-stats/report.js';
import { F32_RELATIVE_TOLERANCE } from '../../kernels/tile-stats/webgpu.js';
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import type { WebGpuDevice } from '../../src/devices/webgpu.js';
import { runKernel, type RunResult } from '../../src/run.js';
import { randomSource } from '../support/awkward-arrays.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

function randomArray(dtype: 'u8' | 'u16' | 'f32', height: number, width: number, channels: number): ArrayView {
  const random = randomSource(height * 31 + width);
  const data = Array.from({ length: height * width * channels }, (_, i) => {
    if (dtype === 'u8') return i % 97 < 40 ? 128 : Math.floor(random() * 256); // runs of equal bytes
    if (dtype === 'u16') return Math.floor(random() * 65536);
    return i % 101 === 0 ? Number.NaN : (random() - 0.3) * 1e4;
  });
  return arrayFromElements(dtype, height, width, channels, data);
}

type Run = RunResult<TileStatsParams, TileStatsPartial>;

describe.skipIf(skipWebGpu)('a whole run gives the same answer on cpu, webgpu and both together', () => {
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

  const run = (view: ArrayView, devices: Device[], tile: number): Promise<Run> =>
    runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, defaultTileStatsParams(view.dtype), {
      devices,
      tile,
      targetBatchSeconds: 0.005,
    });

  for (const [dtype, height, width, channels, tile] of [
    ['u8', 1000, 777, 1, 64],
    // Large enough that the slower device is worth a batch: at 203x301x3 (183 KB) the CPU pool's
    // WebAssembly kernels finish before a software GPU's first batch would, and the scheduler
    // rightly gives it none.
    ['u8', 603, 901, 3, 32],
    ['u16', 513, 700, 1, 48],
  ] as const) {
    it(`${dtype} ${height}x${width}x${channels}: identical partials, bit for bit`, async () => {
      const view = randomArray(dtype, height, width, channels);
      const onCpu = await run(view, [cpu], tile);
      const onGpu = await run(view, [gpu], tile);
      const onBoth = await run(view, [cpu, gpu], tile);
      expect(onGpu.partials).toEqual(onCpu.partials);
      expect(onBoth.partials).toEqual(onCpu.partials);
      expect(onBoth.whole).toEqual(onCpu.whole);
      expect(onBoth.params).toEqual(onCpu.params);
      // Both devices really took part.
      for (const record of onBoth.devices) expect(record.tiles, record.id).toBeGreaterThan(0);
    });
  }

  it('u16 with 5000 bins (histogram in global memory on the GPU): identical', async () => {
    const view = randomArray('u16', 130, 170, 1);
    const params: TileStatsParams = { bins: 5000, range: null };
    const options = (devices: Device[]) => ({ devices, tile: 32, targetBatchSeconds: 0.005 });
    const onCpu = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params, options([cpu]));
    const onGpu = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params, options([gpu]));
    expect(onGpu.partials).toEqual(onCpu.partials);
    expect(onGpu.whole.channels[0]!.histogram.reduce((a, b) => a + b, 0)).toBe(130 * 170);
  });

  it('f32 with NaN: counts, extremes and histograms identical, sums within the documented tolerance', async () => {
    const view = randomArray('f32', 400, 333, 1);
    const runs = [await run(view, [cpu], 40), await run(view, [gpu], 40), await run(view, [cpu, gpu], 40)];
    const [reference, ...others] = runs.map((r) => ({ whole: reportChannel(r.whole.channels[0]!), tiles: r.partials.map((p) => reportChannel(p.channels[0]!)) }));
    for (const other of others) {
      for (const [actual, expected] of [[other.whole, reference!.whole], ...other.tiles.map((t, i) => [t, reference!.tiles[i]!])] as const) {
        expect({ ...actual, sum: 0, sumSq: 0, mean: 0, std: 0 }).toEqual({ ...expected, sum: 0, sumSq: 0, mean: 0, std: 0 });
        const scale = expected.count * 1e4;
        expect(Math.abs((actual.sum as number) - (expected.sum as number))).toBeLessThanOrEqual(F32_RELATIVE_TOLERANCE * scale);
        expect(Math.abs(actual.std - expected.std)).toBeLessThanOrEqual(F32_RELATIVE_TOLERANCE * 1e4);
      }
    }
  });
});
