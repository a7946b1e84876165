/**
 * Arrays of 4 MiB and more live in a shared WebAssembly memory in Node (allocateArray), and the
 * reductions' WASM kernels read them there in place (kernels/wasm/in-place.ts) instead of copying
 * rows in. Same answers as the reference, on the calling thread and through the worker pool; the
 * copying path where a call needs more scratch than a slot has, or no slot is free; and plain
 * SharedArrayBuffers where in-place is switched off.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { setCpuImpl } from '../../kernels/wasm/choice.js';
import { inPlaceStats, mallocHugePages, MIN_WASM_ARRAY_BYTES } from '../../kernels/wasm/in-place.js';
import { allocateArray, elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import { runKernel } from '../../src/run.js';
import { makeTileGrid, tileRange } from '../../src/tiling/tile-grid.js';
import { randomSource } from '../support/awkward-arrays.js';

const BYTES = { u8: 1, u16: 2, f32: 4 } as const;

/** An array just over the in-place threshold: odd width, NaN, infinities and extremes among random values. */
function bigArray(dtype: DType, channels = 1, seed = 3): ArrayView {
  const width = 1021;
  const height = Math.ceil(MIN_WASM_ARRAY_BYTES / (width * channels * BYTES[dtype])) + 3;
  const view = allocateArray(dtype, height, width, channels);
  const data = elementsOf(view);
  const random = randomSource(seed);
  const top = dtype === 'u8' ? 255 : 65535;
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'f32') data[i] = i % 997 === 0 ? Number.NaN : i % 991 === 0 ? -Infinity : i % 983 === 0 ? 3.4028234663852886e38 : (random() - 0.4) * 1e4;
    else data[i] = i % 101 === 0 ? top : i % 103 === 0 ? 0 : Math.floor(random() * (top + 1));
  }
  return view;
}

function paramsFor(dtype: DType, bins: number): { bins: number; range: { lo: number; hi: number } } {
  return { bins, range: dtype === 'f32' ? { lo: -5000, hi: 7000 } : dtype === 'u8' ? { lo: 3, hi: 250 } : { lo: 100, hi: 65000 } };
}

function reference(kernelName: string, view: ArrayView, tiles: ReturnType<typeof tileRange>, params: unknown): unknown[] {
  setCpuImpl('js');
  try {
    const kernel = getKernel(kernelName);
    return kernel.kind === 'reduction' ? kernel.cpu(view, tiles, params) : [];
  } finally {
    setCpuImpl(null);
  }
}

afterEach(() => setCpuImpl(null));

describe('arrays in a shared WebAssembly memory', () => {
  it('allocateArray puts 4 MiB and more there (zeroed, past a header), smaller arrays and TILERUN_WASM_ARRAYS=0 in a plain SharedArrayBuffer', () => {
    const big = allocateArray('u16', 1024, 2048);
    expect(big.memory).toBeDefined();
    expect(big.byteOffset).toBeGreaterThan(0);
    expect(big.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(elementsOf(big).every((v) => v === 0)).toBe(true);
    const small = allocateArray('u8', 1024, 1024);
    expect(small.memory).toBeUndefined();
    expect(small.byteOffset).toBe(0);
    process.env.TILERUN_WASM_ARRAYS = '0';
    try {
      expect(allocateArray('u16', 1024, 2048).memory).toBeUndefined();
    } finally {
      delete process.env.TILERUN_WASM_ARRAYS;
    }
  });

  for (const kernelName of ['tile-stats', 'histogram']) {
    for (const [dtype, channels] of [['u8', 1], ['u8', 3], ['u16', 1], ['u16', 2], ['f32', 1]] as const) {
      it(`${kernelName} ${dtype}x${channels}: read in place, the reference's answer (odd tiles, edges)`, () => {
        const view = bigArray(dtype, channels);
        expect(view.memory).toBeDefined();
        const grid = makeTileGrid(view.height, view.width, 200);
        // From the fourth tile on: the first band starts mid-row, as a batch's may.
        const tiles = tileRange(grid, 3, grid.count - 3);
        const params = paramsFor(dtype, 37);
        const kernel = getKernel(kernelName);
        setCpuImpl('wasm');
        const before = inPlaceStats.calls;
        const ours = kernel.kind === 'reduction' ? kernel.cpu(view, tiles, params) : [];
        expect(inPlaceStats.calls - before).toBe(1);
        const theirs = reference(kernelName, view, tiles, params);
        if (dtype !== 'f32' || kernelName === 'histogram') expect(ours).toEqual(theirs);
        else {
          // f32 moments are within the kernel's tolerance (another summation order); counts and extremes exact.
          (ours as { channels: { histogram: Float64Array; finiteMin: number; finiteMax: number; nanCount: number }[] }[]).forEach((partial, i) => {
            const expected = (theirs as typeof ours & { channels: { histogram: Float64Array; finiteMin: number; finiteMax: number; nanCount: number }[] }[])[i]!;
            partial.channels.forEach((channel, c) => {
              expect(channel.histogram).toEqual(expected.channels[c]!.histogram);
              expect([channel.finiteMin, channel.finiteMax, channel.nanCount]).toEqual([expected.channels[c]!.finiteMin, expected.channels[c]!.finiteMax, expected.channels[c]!.nanCount]);
            });
          });
        }
      });
    }
  }

  it('copies rows in after all where a call needs more scratch than a slot has (65535 u16 bins, eight tiles a band)', () => {
    const view = bigArray('u16');
    const grid = makeTileGrid(view.height, view.width, 128);
    const tiles = tileRange(grid, 0, 24);
    const params = { bins: 65535, range: { lo: 0, hi: 65535 } };
    setCpuImpl('wasm');
    const before = { ...inPlaceStats };
    const ours = getKernel('histogram').kind === 'reduction' ? (getKernel('histogram') as { cpu: (...a: unknown[]) => unknown[] }).cpu(view, tiles, params) : [];
    expect(inPlaceStats.fallbacks - before.fallbacks).toBe(1);
    expect(inPlaceStats.calls - before.calls).toBe(0);
    expect(ours).toEqual(reference('histogram', view, tiles, params));
  });

  it('copies rows in where every scratch slot is taken, and gives the slot back after each call', () => {
    const view = bigArray('u8');
    const grid = makeTileGrid(view.height, view.width, 256);
    const tiles = tileRange(grid, 0, grid.count);
    const params = paramsFor('u8', 16);
    const header = new Int32Array(view.memory!.buffer, 0, 2 + 64);
    const slots = header[1]!;
    for (let i = 0; i < slots; i++) Atomics.store(header, 2 + i, 1);
    setCpuImpl('wasm');
    const kernel = getKernel('tile-stats') as unknown as { cpu: (...a: unknown[]) => unknown[] };
    try {
      const before = inPlaceStats.calls;
      expect(kernel.cpu(view, tiles, params)).toEqual(reference('tile-stats', view, tiles, params));
      expect(inPlaceStats.calls).toBe(before);
    } finally {
      for (let i = 0; i < slots; i++) Atomics.store(header, 2 + i, 0);
    }
    const before = inPlaceStats.calls;
    kernel.cpu(view, tiles, params);
    expect(inPlaceStats.calls - before).toBe(1);
    expect(Array.from(header.subarray(2, 2 + slots))).toEqual(new Array<number>(slots).fill(0));
  });

  describe('through the worker pool', () => {
    const pool = new CpuPoolDevice({ threads: 2 });
    afterAll(() => pool.close());
    for (const dtype of ['u8', 'u16', 'f32'] as const) {
      it(`tile-stats ${dtype}: the pool's answer on an array in a wasm memory is the reference's`, async () => {
        const view = bigArray(dtype, 1, 11);
        const params = paramsFor(dtype, 64);
        const result = await runKernel(getKernel('tile-stats'), view, params, { devices: [pool], tile: 160, models: false });
        const expected = reference('tile-stats', view, tileRange(result.grid, 0, result.grid.count), result.params);
        const counts = (partials: unknown[]) => (partials as { channels: { histogram: Float64Array; finiteMin: number; nanCount: number }[] }[]).map((p) => p.channels.map((c) => [Array.from(c.histogram), c.finiteMin, c.nanCount]));
        if (dtype === 'f32') expect(counts(result.partials)).toEqual(counts(expected));
        else expect(result.partials).toEqual(expected);
      });
    }
  });
});

describe('where malloc gives huge pages', () => {
  it('reads the last glibc.malloc.hugetlb setting of GLIBC_TUNABLES and the kernel\'s THP mode', () => {
    const madvise = () => 'always [madvise] never\n';
    expect(mallocHugePages('glibc.malloc.hugetlb=1', madvise)).toBe(true);
    expect(mallocHugePages('glibc.malloc.hugetlb=1:', madvise)).toBe(true);
    expect(mallocHugePages('glibc.malloc.check=0:glibc.malloc.hugetlb=2', madvise)).toBe(true);
    expect(mallocHugePages('glibc.malloc.hugetlb=1', () => '[always] madvise never')).toBe(true);
    expect(mallocHugePages('glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0', madvise)).toBe(false);
    expect(mallocHugePages('glibc.malloc.hugetlb=0', madvise)).toBe(false);
    expect(mallocHugePages('xglibc.malloc.hugetlb=1', madvise)).toBe(false);
    expect(mallocHugePages(undefined, madvise)).toBe(false);
    expect(mallocHugePages('glibc.malloc.hugetlb=1', () => 'always madvise [never]')).toBe(false);
    expect(mallocHugePages('glibc.malloc.hugetlb=1', () => null)).toBe(false);
  });

  it('a process started with the launcher\'s setting keeps large arrays in plain SharedArrayBuffers, unless TILERUN_WASM_ARRAYS=1', () => {
    // A child process: the setting is read once per process (and glibc reads it only at start).
    const module = new URL('../../dist/src/array/array-view.js', import.meta.url).href;
    const where = (env: Record<string, string>): string =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `const { allocateArray } = await import(${JSON.stringify(module)}); const v = allocateArray('u8', 4096, 4096); process.stdout.write(v.memory ? 'wasm' : 'sab');`], {
        env: { ...process.env, TILERUN_WASM_ARRAYS: '', ...env },
        encoding: 'utf8',
      });
    let mode: string | null = null;
    try {
      mode = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    } catch {
      // no THP on this kernel: the setting changes nothing
    }
    const huge = mode !== null && /\[(always|madvise)\]/.test(mode);
    expect(where({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1:' })).toBe(huge ? 'sab' : 'wasm');
    expect(where({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1:', TILERUN_WASM_ARRAYS: '1' })).toBe('wasm');
    expect(where({ GLIBC_TUNABLES: '' })).toBe('wasm');
  });
});
