import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { parseParams } from '../../kernels/params.js';
import type { AnyReductionKernel, ReduceWith } from '../../kernels/types.js';
import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import { CpuPoolDevice } from '../../src/devices/cpu-pool.js';
import { encodeNpy } from '../../src/io/npy.js';
import { StreamedNpyWriter } from '../../src/io/npy-writer.js';
import { MemorySource, type RowSource } from '../../src/io/row-source.js';
import { runKernel } from '../../src/run.js';
import { runKernelStreamed, type OutputSink } from '../../src/run-streamed.js';
import { temporaryDirectory } from '../support/fixtures.js';

/** A source that records every read, to check the band bound. */
class CountingSource extends MemorySource {
  reads: [number, number][] = [];
  inFlight = 0;
  maxInFlight = 0;
  override async readRows(y0: number, y1: number, target: Uint8Array): Promise<void> {
    this.reads.push([y0, y1]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await super.readRows(y0, y1, target);
    this.inFlight--;
  }
}

const HEIGHT = 203;
const WIDTH = 97;
const TILE = 16;

function u16Array(): ArrayView {
  return arrayFromElements('u16', HEIGHT, WIDTH, 1, Array.from({ length: HEIGHT * WIDTH }, (_, i) => (i * 7919 + 13) % 60000 + 500));
}

function f32Array(channels: number): ArrayView {
  return arrayFromElements('f32', HEIGHT, WIDTH, channels, Array.from({ length: HEIGHT * WIDTH * channels }, (_, i) => Math.sin(i * 0.37) * 1000 + (i % 11) * 0.001));
}

describe('streamed runs equal in-memory runs', () => {
  let pool: CpuPoolDevice;
  const devices = () => ({ devices: [pool], tile: TILE, models: false as const });
  beforeAll(() => {
    pool = new CpuPoolDevice({ threads: 2 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('tile-stats on u16 (two passes: the range, then the histogram): every tile and the whole, exactly', async () => {
    const view = u16Array();
    const source = new CountingSource(view);
    const bandBytes = 3 * TILE * WIDTH * 2; // three tile rows per band
    const streamed = await runKernelStreamed(getKernel('tile-stats'), source, { bins: 64, range: null }, { ...devices(), bandBytes });
    const memory = await runKernel(getKernel('tile-stats'), view, { bins: 64, range: null }, devices());
    expect(streamed.passes).toBe(2);
    expect(streamed.bands).toBe(Math.ceil(HEIGHT / (3 * TILE)));
    expect(streamed.params).toEqual(memory.params);
    expect(streamed.partials).toEqual(memory.partials);
    expect(streamed.whole).toEqual(memory.whole);
    expect(streamed.grid.count).toBe(memory.grid.count);
    // Peak memory: no read larger than one band, at most one read at a time (the next band is read while one runs).
    for (const [y0, y1] of source.reads) expect(y1 - y0).toBeLessThanOrEqual(3 * TILE);
    expect(source.reads.length).toBe(2 * streamed.bands);
    expect(source.maxInFlight).toBe(1);
    expect(streamed.notes.join('\n')).toMatch(/streamed from disk in 5 bands of up to 48 rows/);
    // The schedule (for --trace and --explain) names tiles of the whole grid, each once per pass,
    // and every band's batches lie within its record's time.
    for (const pass of [1, 2]) {
      const records = streamed.schedule.filter((record) => record.pass === pass);
      expect(records).toHaveLength(streamed.bands);
      const seen = records.flatMap((record) => record.batches.flatMap((batch) => Array.from({ length: batch.tileCount }, (_, i) => batch.firstTile + i))).sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: memory.grid.count }, (_, i) => i));
      for (const record of records) for (const batch of record.batches) expect(batch.start + batch.seconds).toBeLessThanOrEqual(record.seconds + 1e-9);
    }
  });

  it('tile-stats on 3-channel f32: partials identical, so the stitched whole is too', async () => {
    const view = f32Array(3);
    const streamed = await runKernelStreamed(getKernel('tile-stats'), new MemorySource(view), { bins: 32, range: null }, { ...devices(), bandBytes: 1 });
    const memory = await runKernel(getKernel('tile-stats'), view, { bins: 32, range: null }, devices());
    expect(streamed.bands).toBe(Math.ceil(HEIGHT / TILE));
    expect(streamed.partials).toEqual(memory.partials);
    expect(streamed.whole).toEqual(memory.whole);
  });

  it('map normalize (a first pass, then the map) written band by band to a .npy equals the in-memory output file', async () => {
    const dir = temporaryDirectory();
    try {
      const view = f32Array(1);
      const params = parseParams('map', getKernel('map').params, ['op=normalize', 'dtype=u16']);
      const path = join(dir.path, 'out.npy');
      let writer: StreamedNpyWriter | undefined;
      const sink: OutputSink = {
        open: async (shape) => {
          writer = await StreamedNpyWriter.create(path, shape);
        },
        write: (y0, band, from, rows) => writer!.writeRows(y0, band, from, rows),
      };
      const streamed = await runKernelStreamed(getKernel('map'), new MemorySource(view), params, { ...devices(), bandBytes: 2 * TILE * WIDTH * 4, sink });
      await writer!.commit();
      const memory = await runKernel(getKernel('map'), view, params, devices());
      expect(streamed.passes).toBe(2);
      expect(streamed.outputShape).toMatchObject({ dtype: 'u16', height: HEIGHT, width: WIDTH });
      expect(Buffer.from(readFileSync(path)).equals(Buffer.from(encodeNpy(memory.output!)))).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('convolve (a halo): band edges see their neighbours, so the output is the in-memory one', async () => {
    const view = f32Array(2);
    const kernel = getKernel('convolve');
    const full = parseParams('convolve', kernel.params, ['preset=gaussian', 'size=5']);
    const source = new CountingSource(view);
    const streamed = await runKernelStreamed(kernel, source, full, { ...devices(), bandBytes: 2 * TILE * WIDTH * 8 });
    const memory = await runKernel(kernel, view, full, devices());
    expect(streamed.bands).toBeGreaterThan(3);
    // Each band read its two halo rows above and below.
    expect(source.reads[1]).toEqual([2 * TILE - 2, 4 * TILE + 2]);
    expect(Buffer.from(streamed.output!.buffer).equals(Buffer.from(memory.output!.buffer))).toBe(true);
  });

  it('downsample (an output smaller than the input) fills the same output rows', async () => {
    const view = u16Array();
    const kernel = getKernel('downsample');
    const params = parseParams('downsample', kernel.params, ['factor=4']);
    const streamed = await runKernelStreamed(kernel, new MemorySource(view), params, { ...devices(), bandBytes: 1 });
    const memory = await runKernel(kernel, view, params, devices());
    expect(streamed.output!.height).toBe(Math.ceil(HEIGHT / 4));
    expect(Buffer.from(streamed.output!.buffer).equals(Buffer.from(memory.output!.buffer))).toBe(true);
  });

  it('refuses a kernel whose prepare would make a first pass in every band', async () => {
    const tileStats = getKernel('tile-stats') as AnyReductionKernel;
    const greedy = {
      ...tileStats,
      name: 'greedy-prepare',
      prepare: async (_view: ArrayView, params: unknown, reduce: ReduceWith) => ({ ...(params as object), seen: await reduce(tileStats, { bins: 0, range: null }) }),
    } as AnyReductionKernel;
    await expect(runKernelStreamed(greedy, new MemorySource(u16Array()), { bins: 0, range: null }, { ...devices(), bandBytes: 1 })).rejects.toThrow(
      /kernel greedy-prepare's prepare makes a first pass even when given its prepared parameters/,
    );
  });

  it('a failing read fails the run with its error, and leaves no read running', async () => {
    const view = u16Array();
    const failing: RowSource = Object.assign(Object.create(new MemorySource(view)) as RowSource, {
      readRows: (y0: number) => (y0 >= 3 * TILE ? Promise.reject(new Error('disk gone at row ' + y0)) : Promise.resolve()),
    });
    await expect(runKernelStreamed(getKernel('tile-stats'), failing, { bins: 0, range: null }, { ...devices(), bandBytes: 1 })).rejects.toThrow(/disk gone at row 48/);
  });
});
