import { describe, expect, it } from 'vitest';
import { histogramKernel } from '../../kernels/histogram/kernel.js';
import type { AnyReductionKernel } from '../../kernels/types.js';
import { arrayFromElements } from '../../src/array/array-view.js';
import type { Device } from '../../src/devices/device.js';
import { GpuJsDevice } from '../../src/devices/gpujs.js';
import { runKernel } from '../../src/run.js';

describe('a first pass the chosen devices cannot run', () => {
  it('runs on a CPU pool opened for it, and the run says so', async () => {
    const view = arrayFromElements('u16', 9, 11, 1, Array.from({ length: 99 }, (_, i) => 1000 + i * 7));
    const gpujs: Device = await GpuJsDevice.open();
    // A device that runs the histogram but not the tile-stats pass that finds its range.
    const histogramOnly: Device = Object.assign(Object.create(gpujs) as Device, {
      supports: (kernel: AnyReductionKernel) => kernel.name === 'histogram',
    });
    try {
      const result = await runKernel(histogramKernel, view, { bins: 4, range: null }, { devices: [histogramOnly], tile: 4 });
      expect(result.passes).toBe(2);
      expect(result.params).toMatchObject({ range: { lo: 1000, hi: 1000 + 98 * 7 } });
      expect(result.notes.join("\n")).toMatch(/kernel tile-stats ran on the CPU pool: none of the chosen devices/);
      expect(result.devices.map((d) => d.id)).toEqual(['gpujs']);
    } finally {
      await gpujs.close();
    }
  });
});
