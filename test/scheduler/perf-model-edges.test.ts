import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelStore } from '../../src/scheduler/model-store.js';
import { PerfModel } from '../../src/scheduler/perf-model.js';
import { scheduleTiles } from '../../src/scheduler/scheduler.js';
import { VirtualClock } from '../../src/scheduler/simulate/virtual-clock.js';
import { cachedModel, smallJob, VDevice } from '../support/virtual-devices.js';

describe('PerfModel inputs that are not finite', () => {
  it('observe() with a NaN transferSeconds must not poison the model (predict stays finite)', () => {
    const model = new PerfModel();
    for (const bytes of [1e6, 4e6, 2e6, 8e6]) model.observe({ bytes, seconds: 0.001 + bytes * 1e-9, transferSeconds: 0 });
    expect(Number.isFinite(model.predict(4e6))).toBe(true);
    model.observe({ bytes: 3e6, seconds: 0.004, transferSeconds: Number.NaN });
    expect(Number.isFinite(model.predict(4e6))).toBe(true);
  });

  it('extendLast() with NaN seconds must not poison the model', () => {
    const model = new PerfModel();
    for (const bytes of [1e6, 4e6, 2e6, 8e6]) model.observe({ bytes, seconds: 0.001 + bytes * 1e-9, transferSeconds: 0 });
    model.extendLast({ bytes: 1e6, seconds: Number.NaN, transferSeconds: 0 });
    expect(Number.isFinite(model.predict(4e6))).toBe(true);
  });
});

describe('the model store accepts samples a live model would reject', () => {
  it('a cached model whose samples took 0 s (or negative bytes) is rejected on load, as observe() would reject them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tilerun-models-'));
    const store = new ModelStore(dir);
    writeFileSync(
      store.file,
      JSON.stringify({
        version: 1,
        models: {
          zero: { samples: [[4096, 0, 0], [16384, 0, 0]], observed: 2, updated: 'x' },
          negative: { samples: [[-4096, 1, 0], [16384, -1, 5]], observed: 2, updated: 'x' },
        },
      }),
    );
    const { models } = store.load();
    expect([...models.keys()]).toEqual([]);
  });

  it('...and with such a model one lane takes every tile in one batch, while 4 other lanes idle', async () => {
    const clock = new VirtualClock();
    const { job, grid, tileBytes } = smallJob(64, 2); // 1024 tiles
    const broken = new VDevice('broken-model', 1, 0.01, clock);
    const other = new VDevice('other', 4, 0.01, clock);
    const zero = new PerfModel({ samples: [[4, 0, 0], [16, 0, 0]], observed: 2, updated: 'x' });
    const result = await clock.run(scheduleTiles([broken, other], job, grid, { clock, models: [zero, cachedModel(0.01, tileBytes)] }));
    const biggest = Math.max(...result.batches.map((b) => b.tileCount));
    expect(biggest).toBeLessThan(grid.count / 2);
  });
});
