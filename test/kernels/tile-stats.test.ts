import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import { defaultTileStatsParams, type TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import { reportChannel } from '../../kernels/tile-stats/report.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { Device } from '../../src/devices/device.js';
import { runKernel } from '../../src/run.js';
import { tileAt } from '../../src/tiling/tile-grid.js';
import { awkwardCases } from '../support/awkward-arrays.js';
import { expectMatchesReference } from '../support/compare.js';
import { referenceTile } from '../support/reference-tile-stats.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

const backends: { name: string; open: () => Promise<Device>; skip: boolean }[] = [
  { name: 'cpu pool', open: async () => new CpuPoolDevice({ threads: 2 }), skip: false },
  { name: 'webgpu (Vulkan)', open: () => openWebGpu('vulkan'), skip: skipWebGpu },
  { name: 'webgpu (GL ES, compatibility mode)', open: () => openWebGpu('opengles'), skip: skipWebGpu },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`tile-stats on ${backend.name} against the plain reference`, () => {
    let device: Device;
    beforeAll(async () => {
      device = await backend.open();
    });
    afterAll(async () => {
      await device?.close();
    });

    const paramSets: { label: string; params: (dtype: 'u8' | 'u16' | 'f32') => TileStatsParams }[] = [
      { label: 'default histogram', params: (dtype) => defaultTileStatsParams(dtype) },
      { label: 'no histogram', params: () => ({ bins: 0, range: null }) },
      {
        label: 'narrow explicit range, 7 bins',
        params: (dtype) => ({ bins: 7, range: dtype === 'f32' ? { lo: -1.5, hi: 2.25 } : { lo: 10, hi: 200 } }),
      },
    ];

    for (const testCase of awkwardCases()) {
      for (const { label, params } of paramSets) {
        it(`${testCase.name}, ${label}`, async () => {
          const { view } = testCase;
          const result = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params(view.dtype), {
            devices: [device],
            tile: testCase.tile,
          });
          const isInteger = DTYPE_INFO[view.dtype].isInteger;
          const { bins, range } = result.params;
          result.partials.forEach((partial, index) => {
            const expected = referenceTile(view, tileAt(result.grid, index), bins, range);
            partial.channels.forEach((stats, c) =>
              expectMatchesReference(reportChannel(stats), expected[c]!, isInteger, `tile ${index} channel ${c}`),
            );
          });
          const wholeTile = { index: 0, row: 0, col: 0, y: 0, x: 0, height: view.height, width: view.width, halo: 0 };
          const expectedWhole = referenceTile(view, wholeTile, bins, range);
          result.whole.channels.forEach((stats, c) =>
            expectMatchesReference(reportChannel(stats), expectedWhole[c]!, isInteger, `whole channel ${c}`),
          );
          expect(result.devices[0]!.tiles).toBe(result.grid.count);
        });
      }
    }
  });
}
