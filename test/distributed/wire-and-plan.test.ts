import { describe, expect, test } from 'vitest';
import { planBatches } from '../../src/distributed/batch-plan.js';
import { MalformedJob, tileIndicesOf, validateStitchJob } from '../../src/distributed/job-schema.js';
import type { WorkerRecord } from '../../src/distributed/registry.js';
import { decodeWire, encodeWire } from '../../src/distributed/wire.js';

function worker(id: string, bytesPerSecond?: number): WorkerRecord {
  return {
    id, host: 'h', pid: 1, startedAt: '', heartbeatAt: '', concurrency: 1, devices: [], kernels: [], active: 0,
    throughput: bytesPerSecond === undefined ? {} : { 'tile-stats': { bytesPerSecond, batches: 1, tiles: 1 } },
  };
}

describe('wire encoding of partials', () => {
  test('bigints, typed arrays, NaN and infinities survive JSON exactly', () => {
    const partial = { sum: 2n ** 70n + 1n, histogram: new Uint32Array([1, 2, 2 ** 32 - 1]), mean: Number.NaN, max: -Infinity, f: new Float64Array([0.1, -0]) };
    const back = decodeWire(JSON.parse(JSON.stringify(encodeWire([partial])))) as (typeof partial)[];
    expect(back[0]!.sum).toBe(partial.sum);
    expect(back[0]!.histogram).toEqual(partial.histogram);
    expect(back[0]!.histogram).toBeInstanceOf(Uint32Array);
    expect(back[0]!.mean).toBeNaN();
    expect(back[0]!.max).toBe(-Infinity);
    expect(Object.is(back[0]!.f[1], -0)).toBe(true);
  });
});

describe('batch plan', () => {
  test('covers every tile once, in order', () => {
    for (const workers of [[], [worker('a')], [worker('a', 1e9), worker('b', 1e7)]]) {
      const ranges = planBatches(1000, 65536, workers, 'tile-stats', { targetSeconds: 1 });
      expect(ranges[0]![0]).toBe(0);
      ranges.forEach(([first, end], i) => {
        expect(end).toBeGreaterThan(first);
        if (i > 0) expect(first).toBe(ranges[i - 1]![1]);
      });
      expect(ranges.at(-1)![1]).toBe(1000);
    }
  });

  test('a fast worker gets large batches and a slow one small: sizes follow measured throughput', () => {
    // 100 MB/s: 1526 tiles of 64 KiB in a second; 1 MB/s: 15. Tail rule: at most remaining/(2 x workers).
    const ranges = planBatches(100_000, 65536, [worker('slow', 1e6), worker('fast', 1e8)], 'tile-stats', { targetSeconds: 1 });
    const sizes = ranges.map(([first, end]) => end - first);
    expect(sizes.slice(0, 4)).toEqual([1526, 15, 1526, 15]);
    expect(sizes.at(-1)).toBe(1);
  });

  test('a fixed --batch-tiles wins', () => {
    expect(planBatches(10, 1, [worker('a', 1e9)], 'tile-stats', { targetSeconds: 1, batchTiles: 4 })).toEqual([[0, 4], [4, 8], [8, 10]]);
  });
});

describe('job schema', () => {
  test('tile ranges past the grid and unknown stitch kinds are malformed', () => {
    expect(() => tileIndicesOf([[0, 3], [5, 9]], 8)).toThrow(MalformedJob);
    expect(tileIndicesOf([[0, 3], [5, 7]], 8)).toEqual([0, 1, 2, 5, 6]);
    expect(() => validateStitchJob({ v: 1, run: 'r', pass: 1, kernel: { name: 'k', version: '1' }, kind: 'shell', tileCount: 3 })).toThrow(/'reduction' or 'map'/);
  });
});
