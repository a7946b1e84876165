import { open, stat } from 'node:fs/promises';
import type { AnyKernel } from '../../kernels/types.js';
import { allocateArray, type ArrayView } from '../array/array-view.js';
import { DTYPE_INFO } from '../array/dtype.js';
import { outputBlock } from '../array/output-block.js';
import { batchJob, type Device } from '../devices/device.js';
import { readInput } from '../io/read-input.js';
import { downloadInput, isHttpUrl } from '../io/url-input.js';
import { PerfModel } from '../scheduler/perf-model.js';
import { scheduleTiles } from '../scheduler/scheduler.js';
import { makeTileGrid, tileAt } from '../tiling/tile-grid.js';
import { MalformedJob, tileIndicesOf, type BatchJobData, type OutputTarget } from './job-schema.js';
import type { KernelShelf } from './kernel-names.js';
import { encodeWire } from './wire.js';

/** What a batch job returns (through Redis): partials keyed by tile index, and what it cost. */
export interface BatchResult {
  tiles: number[];
  /** Reductions: one encoded partial per entry of `tiles`; null for maps (they wrote the output file). */
  partials: unknown[] | null;
  bytes: number;
  seconds: number;
  worker: string;
}

/** Inputs and map outputs a worker keeps between batches of one run: the next batch likely needs them. */
const KEEP = 2;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  cache.set(key, value);
  while (cache.size > KEEP) cache.delete(cache.keys().next().value!);
  return value;
}

/**
 * Runs one batch of tile ranges on this worker's devices with the local scheduler, which splits
 * it among the devices by their performance models (kept for the worker's lifetime).
 */
export class BatchRunner {
  private readonly inputs = new Map<string, Promise<ArrayView>>();
  private readonly outputs = new Map<string, ArrayView>();
  private readonly prepared = new Set<string>();
  private readonly models = new Map<string, PerfModel>();
  /** Per kernel: bytes this worker has run and the seconds they took (its throughput travels with its registration). */
  readonly throughput = new Map<string, { bytes: number; seconds: number; batches: number; tiles: number }>();

  constructor(
    private readonly devices: readonly Device[],
    private readonly shelf: KernelShelf,
    private readonly workerId: string,
  ) {}

  private async input(path: string, expectedBytes: number, run: string): Promise<ArrayView> {
    if (isHttpUrl(path)) {
      // Downloaded once per run, read whole like a local file, then the copy on disk goes. Not kept
      // across runs: a URL gives no modification time to compare, and a file changed in place
      // with the same size would otherwise be served stale to a long-lived worker.
      const key = `${run}:${path}:${expectedBytes}`;
      const cached = this.inputs.get(key);
      if (cached) return cached;
      const reading = (async () => {
        const downloaded = await downloadInput(path, expectedBytes);
        try {
          return await readInput(downloaded.path);
        } catch (error) {
          throw error instanceof Error ? new Error(error.message.replaceAll(downloaded.path, path)) : error;
        } finally {
          await downloaded.remove();
        }
      })();
      reading.catch(() => this.inputs.delete(key));
      return remember(this.inputs, key, reading);
    }
    const info = await stat(path);
    if (info.size !== expectedBytes) {
      throw new Error(`input ${path} is ${info.size} bytes on worker ${this.workerId}, but ${expectedBytes} where the job was made: workers must read the same file`);
    }
    const key = `${path}:${info.size}:${info.mtimeMs}`;
    const cached = this.inputs.get(key);
    if (cached) return cached;
    const reading = readInput(path);
    reading.catch(() => this.inputs.delete(key));
    return remember(this.inputs, key, reading);
  }

  async run(data: BatchJobData): Promise<BatchResult> {
    const started = performance.now();
    const kernel = this.shelf.get(data.kernel);
    const view = await this.input(data.input, data.inputBytes, data.run);
    try {
      kernel.validateParams(view, data.params);
    } catch (error) {
      throw new MalformedJob(`malformed job: parameters rejected by kernel ${kernel.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const halo = kernel.halo(view, data.params);
    if (halo !== data.halo) throw new MalformedJob(`malformed job: halo ${data.halo}, but kernel ${kernel.name} needs ${halo} with these parameters`);
    const grid = makeTileGrid(view.height, view.width, data.tileEdge, data.tileEdge, halo);
    const indices = tileIndicesOf(data.tiles, grid.count);
    const devices = this.devices.filter((device) => device.supports(kernel));
    if (devices.length === 0) throw new Error(`none of worker ${this.workerId}'s devices (${this.devices.map((d) => d.info.id).join(', ')}) runs kernel ${kernel.name}`);
    const runKey = `${data.run}:${data.pass}`;
    const out = kernel.kind === 'map' ? this.outputArray(kernel, view, data, runKey) : undefined;
    const job = batchJob(kernel, view, data.params, halo, out);
    for (const device of devices) {
      const key = `${runKey}:${device.info.id}`;
      if (!this.prepared.has(key)) {
        await device.prepare?.(job);
        this.prepared.add(key);
      }
    }
    const models = devices.map((device) => {
      const key = `${kernel.name}:${device.info.id}`;
      return this.models.get(key) ?? remember(this.models, key, new PerfModel());
    });
    const scheduled = await scheduleTiles(devices, job, grid, { tileIndices: indices, models });
    if (out) await writeRegions(out, data.output!, indices.map((index) => tileAt(grid, index)));
    const bpe = DTYPE_INFO[view.dtype].bytesPerElement;
    const bytes = indices.reduce((sum, index) => {
      const tile = tileAt(grid, index);
      return sum + tile.width * tile.height * view.channels * bpe;
    }, 0);
    const seconds = (performance.now() - started) / 1000;
    const total = this.throughput.get(kernel.name) ?? { bytes: 0, seconds: 0, batches: 0, tiles: 0 };
    this.throughput.set(kernel.name, { bytes: total.bytes + bytes, seconds: total.seconds + seconds, batches: total.batches + 1, tiles: total.tiles + indices.length });
    return {
      tiles: indices,
      partials: kernel.kind === 'reduction' ? (encodeWire(scheduled.partials) as unknown[]) : null,
      bytes,
      seconds,
      worker: this.workerId,
    };
  }

  /** A map run's output array on this worker; its regions go to the shared file after each batch. */
  private outputArray(kernel: AnyKernel, view: ArrayView, data: BatchJobData, runKey: string): ArrayView {
    if (kernel.kind !== 'map') throw new Error('unreachable');
    const shape = kernel.output(view, data.params);
    const target = data.output;
    if (!target || target.dtype !== shape.dtype || target.height !== shape.height || target.width !== shape.width || target.channels !== shape.channels || target.factor !== shape.factor) {
      throw new MalformedJob(`malformed job: map kernel ${kernel.name} makes a ${shape.height}x${shape.width}x${shape.channels} ${shape.dtype} output, the job's output target says ${JSON.stringify(target ?? null)}`);
    }
    return this.outputs.get(runKey) ?? remember(this.outputs, runKey, allocateArray(shape.dtype, shape.height, shape.width, shape.channels));
  }
}

/**
 * Writes the output blocks of `tiles` into the shared raw output file, row by row at their byte
 * offsets. Blocks of different tiles never overlap, and writing one twice (a retried batch)
 * writes the same bytes, so workers need no locking and a retry is harmless.
 */
async function writeRegions(out: ArrayView, target: OutputTarget, tiles: ReturnType<typeof tileAt>[]): Promise<void> {
  const bpe = DTYPE_INFO[out.dtype].bytesPerElement;
  const rowStride = out.width * out.channels * bpe;
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.height * rowStride);
  const file = await open(target.path, 'r+');
  try {
    for (const tile of tiles) {
      const block = outputBlock(tile, target);
      const length = block.width * out.channels * bpe;
      for (let r = 0; r < block.height; r++) {
        const offset = (block.y + r) * rowStride + block.x * out.channels * bpe;
        await file.write(bytes, offset, length, offset);
      }
    }
    await file.sync();
  } finally {
    await file.close();
  }
}
