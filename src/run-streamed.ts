import type { AnyKernel, AnyReductionKernel, OutputShape, ReduceWith } from '../kernels/types.js';
import { allocateArray, byteLength, type ArrayView } from './array/array-view.js';
import type { Device } from './devices/device.js';
import { openDevices } from './devices/select.js';
import { UsageError } from './errors.js';
import { rowBytesOf, shapeOnlyView, type RowSource } from './io/row-source.js';
import { blameModule, MAX_RESULT_BYTES, runKernel, type PassRecord, type RunOptions, type RunResult } from './run.js';
import { mergeDeviceRecords } from './scheduler/merge-records.js';
import { ModelStore } from './scheduler/model-store.js';
import { stitchPartials, type Merging } from './stitch/stitch.js';
import { planPass } from './tiling/plan-pass.js';
import { makeTileGrid } from './tiling/tile-grid.js';

/** Default input bytes per band: large enough that a band holds many tiles for every device, small next to memory. */
export const DEFAULT_BAND_BYTES = 64 * 2 ** 20;

/** Where a streamed map's output rows go, band by band, in order. */
export interface OutputSink {
  /** Called once, before any band runs, with the output's shape. */
  open(shape: OutputShape): Promise<void>;
  /** Rows `from`..`from+rows-1` of `band` are output rows y0..; bands arrive in row order. */
  write(y0: number, band: ArrayView, from: number, rows: number): Promise<void>;
}

export interface StreamOptions extends RunOptions {
  /** Input bytes per band (its rows plus halo), rounded to whole tile rows; at least one tile row. */
  bandBytes?: number;
  /** Map kernels: where output rows go. Without one, the output is gathered in memory (small outputs only). */
  sink?: OutputSink;
}

export interface StreamedResult<Params = unknown, Partial = unknown> extends RunResult<Params, Partial> {
  /** Bands the array was read in, and rows per band. */
  bands: number;
  bandRows: number;
  /** Maps: the output's shape (its rows went to the sink, or are in `output`). */
  outputShape?: OutputShape;
}

/**
 * runKernel for arrays read from disk: each pass runs over bands of whole tile rows, read (with
 * the halo rows above and below) into a band buffer while the previous band runs, so at most two
 * bands are in memory, whatever the file size (two band buffers, reused). Every band is a runKernel call on the run's open
 * devices with the run's tile edge, so the band's tiles are the whole array's tiles in the same
 * order: reductions collect every tile's partial and stitch them once, in tile order, exactly as
 * an in-memory run does; maps hand each band's output rows (halo rows dropped) to the sink.
 * A kernel's first pass (a histogram range, a normalisation's range) is a streamed pass of its own.
 */
export async function runKernelStreamed<Params, Partial>(
  kernel: AnyKernel,
  source: RowSource,
  userParams: Params,
  options: StreamOptions = {},
): Promise<StreamedResult<Params, Partial>> {
  const meta = shapeOnlyView(source);
  try {
    kernel.validateParams(meta, userParams);
  } catch (error) {
    throw blameModule(kernel, error);
  }
  const opened = options.devices
    ? { devices: [...options.devices], notes: [] as string[] }
    : await openDevices(options.selection ?? { auto: true, kinds: [] }, { ...(options.threads === undefined ? {} : { threads: options.threads }) });
  const devices: readonly Device[] = opened.devices;
  const notes = new Set<string>(opened.notes);
  const started = performance.now();
  const store = options.models === false ? false : (options.models ?? new ModelStore());
  const schedule: PassRecord[] = [];
  const runs: { pass: number; result: RunResult }[] = [];
  let passes = 0;
  let bandCount = 0;
  let bandRows = 0;
  try {
    const usable = devices.filter((device) => device.supports(kernel));
    // One tile edge for every pass and band, planned as runKernel plans it, so tiles line up with an in-memory run's.
    const { tileEdge } = planPass(kernel, meta, userParams, usable.length > 0 ? usable : devices, options.tile);
    const rowBytes = rowBytesOf(source);
    const tileRowsPerBand = Math.max(1, Math.floor((options.bandBytes ?? DEFAULT_BAND_BYTES) / (tileEdge * rowBytes)));
    bandRows = tileRowsPerBand * tileEdge;

    /** One streamed pass: bands of `bandRows` rows, the next read while the current one runs. */
    const sweep = async <P>(k: AnyKernel, params: P, halo: number, onBand: (result: RunResult, y0: number, y1: number, top: number) => Promise<void>) => {
      passes++;
      const passNumber = passes;
      const grid = makeTileGrid(source.height, source.width, tileEdge, tileEdge, halo);
      const bands: [number, number][] = [];
      for (let y = 0; y < source.height; y += bandRows) bands.push([y, Math.min(source.height, y + bandRows)]);
      bandCount = bands.length;
      // Two band buffers, used in turn: band i+1 is read into the one band i-1 used (finished by then).
      // A fresh buffer per band would be freed only when every worker thread has collected it, and
      // idle workers collect rarely: measured, peak RSS grew to over half the file that way.
      const capacity = Math.min(source.height, bandRows + 2 * halo);
      const buffers = [0, 1].map(() => allocateArray(source.dtype, capacity, source.width, source.channels));
      const read = async (i: number) => {
        const [y0, y1] = bands[i]!;
        const r0 = Math.max(0, y0 - halo);
        const r1 = Math.min(source.height, y1 + halo);
        // The band's rows from the start of its buffer's array (whose memory, where it has one, lets the WASM kernels read it in place).
        const view: ArrayView = { ...buffers[i % 2]!, height: r1 - r0 };
        await source.readRows(r0, r1, new Uint8Array(view.buffer, view.byteOffset, byteLength(view)));
        return { view, top: y0 - r0 };
      };
      // A read ahead that fails while a band runs is reported when its turn comes (the await below), not as an unhandled rejection.
      const ahead = (i: number) => {
        const promise = read(i);
        promise.catch(() => {});
        return promise;
      };
      let next = ahead(0);
      let tilesBefore = 0;
      let bytesBefore = 0;
      for (let i = 0; i < bands.length; i++) {
          const band = await next;
          // Start reading the next band now: the disk works while the devices do.
          if (i + 1 < bands.length) next = ahead(i + 1);
          const [y0, y1] = bands[i]!;
          const bandStart = (performance.now() - started) / 1000;
          const result = await runKernel(k, band.view, params, {
            devices,
            tile: tileEdge,
            models: store,
            ...(options.targetBatchSeconds === undefined ? {} : { targetBatchSeconds: options.targetBatchSeconds }),
            ...(options.policy === undefined ? {} : { policy: options.policy }),
            // Recalibrating once is enough: later bands learn from the first.
            recalibrate: options.recalibrate === true && passNumber === 1 && i === 0,
            ...(options.onProgress ? { onProgress: (done: number, _total: number, bytes: number) => options.onProgress!(tilesBefore + done, grid.count, bytesBefore + bytes, passNumber) } : {}),
          });
          // A band is whole rows of tiles: its tile i is tile tilesBefore + i of the whole grid.
          // Times of batches and faults stay relative to their record's start, as in any pass
          // record (the trace adds the two), and the record starts where the band did.
          const firstOfBand = tilesBefore;
          tilesBefore += result.grid.count;
          bytesBefore += result.array.bytes;
          for (const note of result.notes) notes.add(note);
          for (const record of result.schedule) {
            schedule.push({
              ...record,
              pass: passNumber,
              start: bandStart + record.start,
              batches: record.batches.map((b) => ({ ...b, firstTile: b.firstTile + firstOfBand })),
              faults: record.faults.map((f) => ({ ...f, firstTile: f.firstTile + firstOfBand })),
            });
          }
          runs.push({ pass: passNumber, result });
          await onBand(result, y0, y1, band.top);
      }
      return grid;
    };

    const checkResultBytes = (k: AnyReductionKernel, params: unknown, halo: number) => {
      if (halo > 0) throw new UsageError(`kernel ${k.name} is a reduction with a halo: its tiles' partials would count band edges twice, so it cannot be streamed; give a smaller input`);
      const count = makeTileGrid(source.height, source.width, tileEdge).count;
      if (count * k.partialBytes(meta, params) > MAX_RESULT_BYTES) {
        throw new UsageError(`${count} tiles of ${k.name} results would take more than the ${MAX_RESULT_BYTES / 2 ** 30} GiB tilerun keeps in memory: use a larger --tile or fewer --bins`);
      }
    };

    const streamedReduce: ReduceWith = async <P, R>(reduction: AnyReductionKernel, params: P): Promise<R> => {
      const prepared = reduction.prepare ? ((await reduction.prepare(meta, params, streamedReduce)) as P) : params;
      checkResultBytes(reduction, prepared, reduction.halo(meta, prepared));
      const partials: R[] = [];
      await sweep(reduction, prepared, 0, async (result) => {
        partials.push(...(result.partials as R[]));
      });
      return stitchPartials(partials, reduction as Merging<R>);
    };

    let params = userParams;
    // The band runs call prepare again with these parameters: the built-in kernels' prepare returns
    // prepared parameters unchanged (their range is set), so no band makes a first pass of its own.
    if (kernel.prepare) {
      params = (await kernel.prepare(meta, userParams, streamedReduce)) as Params;
      // Check that claim: a prepare that would make a first pass again would make one per band, over that band alone.
      await kernel.prepare(meta, params, () => {
        throw new UsageError(`kernel ${kernel.name}'s prepare makes a first pass even when given its prepared parameters, so each band would make its own: it cannot be streamed; give a smaller input`);
      });
    }
    const halo = kernel.halo(meta, params);
    let partials: Partial[] = [];
    let output: ArrayView | undefined;
    let outputShape: OutputShape | undefined;
    let grid;
    if (kernel.kind === 'reduction') {
      checkResultBytes(kernel, params, halo);
      const collected: Partial[] = [];
      grid = await sweep(kernel, params, 0, async (result) => {
        collected.push(...(result.partials as Partial[]));
      });
      partials = collected;
    } else {
      const shape = kernel.output(meta, params);
      outputShape = shape;
      const factor = shape.factor ?? 1;
      if (factor > 1 && halo > 0) throw new UsageError(`kernel ${kernel.name} shrinks its output by ${factor} and has a halo: it cannot be streamed yet; give a smaller input`);
      const sink = options.sink ?? memorySink((view) => (output = view));
      await sink.open(shape);
      grid = await sweep(kernel, params, halo, async (result, y0, y1, top) => {
        const out = result.output!;
        // Halo rows above the band were run only so the band's own rows see their neighbours: drop their output.
        await sink.write(y0 / factor, out, top / factor, Math.ceil(y1 / factor) - y0 / factor);
      });
    }
    // Like runKernel, the devices' record is the main pass's.
    const merged = mergeDeviceRecords(runs.filter((run) => run.pass === passes).map((run) => run.result.devices));
    notes.add(`streamed from disk in ${bandCount} band${bandCount === 1 ? '' : 's'} of up to ${bandRows} rows (${((bandRows * rowBytes) / 2 ** 20).toFixed(1)} MiB), at most two in memory`);
    return {
      kernel: kernel.name,
      kind: kernel.kind,
      params,
      array: { dtype: source.dtype, height: source.height, width: source.width, channels: source.channels, bytes: byteLength(source) },
      grid,
      partials,
      whole: (kernel.kind === 'reduction' ? stitchPartials(partials, kernel as Merging<Partial>) : undefined) as Partial,
      ...(output ? { output } : {}),
      ...(outputShape ? { outputShape } : {}),
      devices: merged,
      batches: schedule.filter((record) => record.pass === passes).flatMap((record) => record.batches),
      schedule,
      faults: schedule.flatMap((record) => record.faults),
      passes,
      seconds: (performance.now() - started) / 1000,
      notes: [...notes],
      bands: bandCount,
      bandRows,
    };
  } catch (error) {
    throw blameModule(kernel, error);
  } finally {
    if (!options.devices) await Promise.allSettled(devices.map((device) => device.close()));
  }
}

/** Gathers a map's output in memory (for outputs small enough to hold, written whole afterwards). */
export function memorySink(done: (view: ArrayView) => void): OutputSink {
  let target: ArrayView | undefined;
  return {
    open(shape) {
      target = allocateArray(shape.dtype, shape.height, shape.width, shape.channels);
      done(target);
      return Promise.resolve();
    },
    write(y0, band, from, rows) {
      const rowBytes = byteLength({ ...band, height: 1 });
      new Uint8Array(target!.buffer, target!.byteOffset + y0 * rowBytes, rows * rowBytes).set(new Uint8Array(band.buffer, band.byteOffset + from * rowBytes, rows * rowBytes));
      return Promise.resolve();
    },
  };
}
