import { describe, expect, it } from 'vitest';
import type { AnyKernel } from '../../kernels/types.js';
import { allocateArray } from '../../src/array/array-view.js';
import type { BatchJob, Device } from '../../src/devices/device.js';
import { modelKey } from '../../src/scheduler/model-key.js';
import { makeTileGrid } from '../../src/tiling/tile-grid.js';

const device = { info: { id: 'cpu', description: 'CPU worker pool, 2 threads' }, concurrency: 2 } as unknown as Device;

describe('model keys', () => {
  it('two different kernel modules that happen to share a name get different keys (their costs are unrelated)', () => {
    const view = allocateArray('u8', 64, 64, 1);
    const grid = makeTileGrid(64, 64, 16);
    const job = (moduleFile: string): BatchJob => ({
      kernel: { name: 'blur', kind: 'map', moduleFile } as unknown as AnyKernel,
      view,
      params: {},
      halo: 0,
    });
    const a = modelKey(job('/home/me/cheap/blur.mjs'), grid, device, {}, [device]);
    const b = modelKey(job('/home/me/expensive/blur.mjs'), grid, device, {}, [device]);
    expect(a).not.toBe(b);
  });
});
