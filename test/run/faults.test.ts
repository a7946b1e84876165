/**
 * Faults on real devices: a WebGPU device destroyed mid-run, a worker thread that dies, a kernel
 * that throws on one tile. Each run is compared with a clean run of the same job.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import type { TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import { loadKernelModule } from '../../kernels/load-module.js';
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import type { BatchJob, BatchTiming, Device } from '../../src/devices/device.js';
import { runKernel } from '../../src/run.js';
import type { Tile } from '../../src/tiling/tile.js';
import { randomSource } from '../support/awkward-arrays.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { openWebGpu, skipWebGpu } from '../support/webgpu-required.js';

const dir = temporaryDirectory();
const kit = fileURLToPath(new URL('../../kernels/kit.ts', import.meta.url));

function randomU8(height: number, width: number): ArrayView {
  const random = randomSource(height * 13 + width);
  return arrayFromElements('u8', height, width, 1, Array.from({ length: height * width }, () => Math.floor(random() * 256)));
}

/** A reduction module (per-tile sum) whose CPU code misbehaves on `badTile` as `fault` says. */
function faultyModule(name: string, badTile: number, fault: string): string {
  const file = join(dir.path, `${name}.ts`);
  writeFileSync(
    file,
    `import { existsSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { elementsOf } from ${JSON.stringify(kit)};
export default {
  name: ${JSON.stringify(name)}, kind: 'reduction' as const, description: 'tile sums', params: [], tolerance: 'exact',
  halo: () => 0, validateParams() {}, partialBytes: () => 8,
  cpu(view: any, tiles: any[]) {
    const a = elementsOf(view);
    return tiles.map((t) => {
      if (t.index === ${badTile}) { ${fault} }
      let s = 0;
      for (let y = t.y; y < t.y + t.height; y++) for (let x = t.x; x < t.x + t.width; x++) s += a[y * view.width + x]!;
      return s;
    });
  },
  merge: (a: number, b: number) => a + b,
};
`,
  );
  return file;
}

describe('faults on real devices', () => {
  const params: TileStatsParams = { bins: 256, range: { lo: 0, hi: 255 } };
  const view = randomU8(640, 640);
  let clean: TileStatsPartial[];
  let cpu: CpuPoolDevice;
  beforeAll(async () => {
    cpu = new CpuPoolDevice({ threads: 2 });
    clean = (await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params, { devices: [cpu], tile: 32, models: false })).partials;
  });
  afterAll(async () => {
    await cpu.close();
    dir.remove();
  });

  it.skipIf(skipWebGpu)('a WebGPU device destroyed mid-run: its tiles run on the CPU pool, the result is the clean one', async () => {
    const gpu = await openWebGpu();
    // Destroys the real GPUDevice under the WebGpuDevice as its second batch starts (its two lanes each run a calibration batch first, so there always is one).
    let batches = 0;
    const destroying: Device = {
      info: gpu.info,
      concurrency: gpu.concurrency,
      sharedQueue: true,
      maxBandBytes: gpu.maxBandBytes,
      supports: (kernel) => gpu.supports(kernel),
      prepare: (job: BatchJob) => gpu.prepare(job),
      lostReason: () => gpu.lostReason(),
      run: async (job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming) => {
        if (++batches === 2) (gpu as unknown as { device: GPUDevice }).device.destroy();
        return gpu.run(job, tiles, timing);
      },
      close: () => gpu.close(),
    };
    try {
      const result = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params, {
        devices: [destroying, cpu],
        tile: 32,
        models: false,
        targetBatchSeconds: 0.002,
      });
      expect(result.partials).toEqual(clean);
      expect(result.faults.length).toBeGreaterThanOrEqual(1);
      expect(result.faults.every((fault) => fault.device === gpu.info.id)).toBe(true);
      const record = result.devices.find((d) => d.id === gpu.info.id)!;
      expect(record.retired).not.toBeNull();
      expect(result.notes.join('\n')).toMatch(/stopped taking work/);
    } finally {
      await gpu.close().catch(() => undefined);
    }
  });

  it('a worker thread that dies mid-batch: the batch runs again, the result is the clean one', async () => {
    const marker = join(dir.path, 'died-once');
    const kernel = await loadKernelModule(faultyModule('dies-once', 17, `if (!isMainThread && !existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, ''); process.exit(1); }`));
    const reference = await runKernel<Record<string, never>, number>(kernel, view, {}, { devices: [cpu], tile: 32, models: false });
    expect(existsSync(marker)).toBe(true);
    expect(reference.faults).toHaveLength(1);
    expect(reference.faults[0]!.message).toMatch(/exit|terminat/i);
    expect(reference.faults[0]!.action).toMatch(/queued again/);
    // The sums equal a clean reduction of the same tiles (tile-stats' sums, computed independently).
    expect(reference.partials).toEqual(clean.map((partial) => Number(partial.channels[0]!.exactSum)));
    // The pool is still whole: another run on it works.
    const after = await runKernel<Record<string, never>, number>(kernel, view, {}, { devices: [cpu], tile: 32, models: false });
    expect(after.faults).toHaveLength(0);
  });

  it("an error the pool reports outside any task (piscina's 'error' event) warns instead of ending the process", async () => {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    (cpu as unknown as { pool: NodeJS.EventEmitter }).pool.emit('error', new Error('Unexpected message from Worker: {}'));
    const warning = await warned;
    expect(warning.message).toBe('CPU worker pool: Unexpected message from Worker: {}');
    expect((warning as Error & { code?: string }).code).toBe('TILERUN_CPU_POOL');
    const after = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, { bins: 0, range: null }, { devices: [cpu], tile: 32, models: false });
    expect(after.faults).toHaveLength(0);
  });

  it('a kernel that throws on one tile on every attempt ends the run with its own error', async () => {
    const kernel = await loadKernelModule(faultyModule('throws', 5, `throw new Error('bad tile 5 in my kernel');`));
    const failure = await runKernel(kernel, view, {}, { devices: [cpu], tile: 32, models: false }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/bad tile 5 in my kernel/);
    expect((failure as Error).message).toContain('throws.ts');
    expect((failure as { faults: unknown[] }).faults).toHaveLength(3);
  });
});
