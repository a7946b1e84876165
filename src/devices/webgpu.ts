import type { AnyKernel } from '../../kernels/types.js';
import { copyBlock, outputBlock, writeBlock } from '../array/output-block.js';
import { DeviceError, UsageError } from '../errors.js';
import type { Tile } from '../tiling/tile.js';
import { bandOf, copyBand } from './band.js';
import { blockWords, OUT_DTYPE_CODE, outputPacking, packedOutputDtype } from './packed-output.js';
import type { BatchJob, BatchTiming, Device, DeviceInfo } from './device.js';
import { preferredAdapter, probeWebGpu, WEBGPU_INSTALL_HINT, type ProbedAdapter, type WebGpuBackend } from './webgpu-probe.js';

/** Limits asked for up to what the adapter allows (the defaults are small: 128 MiB bindings). */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
] as const;

type WantedLimit = (typeof WANTED_LIMITS)[number];

/** Batches in flight by default: upload of one overlaps compute and readback of another. */
export const DEFAULT_IN_FLIGHT = 2;

/** Buffers one in-flight batch owns; grown (to a power of two) when a batch needs more. */
interface Slot {
  data?: GPUBuffer;
  tiles?: GPUBuffer;
  records?: GPUBuffer;
  readback?: GPUBuffer;
  uniforms?: GPUBuffer;
  staging: ArrayBuffer;
}

export interface WebGpuDeviceOptions {
  /** Only adapters of this backend (default: the first that works, Vulkan before GL ES). */
  backend?: WebGpuBackend;
  /** Batches in flight at once (each with its own pooled buffers); 1 turns overlap off. */
  inFlight?: number;
}

/**
 * The WebGPU backend, through Dawn's node binding. Runs a kernel's WGSL with one workgroup per
 * (tile, channel): the batch's rows are uploaded as one band, tile descriptors tell the shader
 * where its tile lies, and each workgroup writes one fixed-size record that the kernel decodes.
 */
export class WebGpuDevice implements Device {
  readonly info: DeviceInfo;
  readonly concurrency: number;
  readonly sharedQueue = true;
  readonly maxBandBytes: number;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly freeSlots: Slot[] = [];
  private readonly slotWaiters: ((slot: Slot) => void)[] = [];
  private readonly workgroupSize: number;
  private lost: string | null = null;

  private constructor(
    private readonly device: GPUDevice,
    probed: ProbedAdapter,
    granted: Record<WantedLimit, number>,
    id: string,
    inFlight: number,
  ) {
    if (!Number.isSafeInteger(inFlight) || inFlight < 1 || inFlight > 16) {
      throw new UsageError(`WebGPU batches in flight must be an integer from 1 to 16, got ${inFlight}`);
    }
    this.concurrency = inFlight;
    // A band is bound whole; keep 4 bytes of slack for the alignment of its first row.
    this.maxBandBytes = Math.min(granted.maxStorageBufferBindingSize, granted.maxBufferSize) - 4;
    // A power of two no larger than 256 (the shader's reduction scratch) nor the device limit.
    let size = 256;
    while (size > granted.maxComputeInvocationsPerWorkgroup || size > granted.maxComputeWorkgroupSizeX) size /= 2;
    this.workgroupSize = size;
    for (let i = 0; i < inFlight; i++) this.freeSlots.push({ staging: new ArrayBuffer(0) });
    const info = probed.adapter.info;
    this.info = {
      id,
      kind: 'webgpu',
      description: probed.description,
      software: probed.software,
      backend: probed.backend,
      vendor: info.vendor,
      architecture: info.architecture,
      limits: { ...granted },
      features: [...probed.adapter.features].sort(),
    };
    void device.lost.then((lost) => {
      this.lost = lost.message || String(lost.reason);
    });
  }

  /** Opens the first adapter that works (or fails with what each backend said). */
  static async open(options: WebGpuDeviceOptions = {}): Promise<WebGpuDevice> {
    const probe = await probeWebGpu(options.backend ? [options.backend] : undefined);
    const probed = preferredAdapter(probe.adapters);
    if (!probed) {
      const reasons = probe.failures.map((failure) => `${failure.backend}: ${failure.reason}`).join('; ');
      throw new DeviceError(`no WebGPU adapter found (${reasons || 'no backend tried'}); ${WEBGPU_INSTALL_HINT}`);
    }
    return WebGpuDevice.fromAdapter(probed, `webgpu:${probed.backend}`, options.inFlight);
  }

  static async fromAdapter(probed: ProbedAdapter, id: string, inFlight = DEFAULT_IN_FLIGHT): Promise<WebGpuDevice> {
    const adapterLimits = probed.adapter.limits as unknown as Record<WantedLimit, number>;
    const requiredLimits: Record<string, number> = {};
    for (const name of WANTED_LIMITS) requiredLimits[name] = adapterLimits[name];
    const device = await probed.adapter.requestDevice({ requiredLimits });
    const granted = {} as Record<WantedLimit, number>;
    const deviceLimits = device.limits as unknown as Record<WantedLimit, number>;
    for (const name of WANTED_LIMITS) granted[name] = deviceLimits[name];
    return new WebGpuDevice(device, probed, granted, id, inFlight);
  }

  lostReason(): string | null {
    return this.lost;
  }

  supports(kernel: AnyKernel): boolean {
    return kernel.webgpu !== undefined;
  }

  /** Compiles the job's pipeline before the run starts, so a WGSL error stops it before any tile. */
  async prepare(job: BatchJob): Promise<void> {
    await this.pipeline(job);
  }

  async run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    if (this.lost !== null) throw new DeviceError(`WebGPU device lost: ${this.lost}`);
    if (!job.kernel.webgpu) throw new DeviceError(`kernel ${job.kernel.name} has no WGSL implementation`);
    const pipeline = await this.pipeline(job);
    const slot = await this.acquireSlot();
    try {
      const results: unknown[] = [];
      for (const group of this.splitToFit(job, tiles)) {
        results.push(...(await this.runGroup(job, group, pipeline, slot, timing)));
      }
      return results;
    } finally {
      this.releaseSlot(slot);
    }
  }

  async close(): Promise<void> {
    for (const slot of this.freeSlots) {
      for (const buffer of [slot.data, slot.tiles, slot.records, slot.readback, slot.uniforms]) buffer?.destroy();
    }
    this.device.destroy();
  }

  /** Output bytes one tile needs: its records (reductions) or its output block (maps). */
  private outputBytes(job: BatchJob, tile: Tile): number {
    const { kernel, view, params } = job;
    if (kernel.kind === 'reduction') return view.channels * kernel.webgpu!.recordWords(view, params) * 4;
    const block = outputBlock(tile, kernel.output(view, params));
    return blockWords(block.height * block.width * view.channels, outputPacking(job)) * 4;
  }

  /**
   * Splits a batch so each dispatch's band and its output each fit one storage binding, and its
   * tiles one dispatch dimension.
   */
  private splitToFit(job: BatchJob, tiles: readonly Tile[]): Tile[][] {
    const { view, halo } = job;
    const limit = this.info.limits!;
    const maxBand = Math.min(limit.maxStorageBufferBindingSize!, limit.maxBufferSize!);
    const maxTiles = limit.maxComputeWorkgroupsPerDimension!;
    const groups: Tile[][] = [];
    let current: Tile[] = [];
    let outputBytes = 0;
    for (const tile of tiles) {
      const single = bandOf(view, [tile], halo);
      const tileOutput = this.outputBytes(job, tile);
      if (single.byteEnd - single.byteStart > maxBand) {
        throw new UsageError(
          `tile ${tile.index} needs ${single.byteEnd - single.byteStart} bytes of rows, more than this adapter's storage binding limit of ${maxBand} bytes; use a smaller --tile`,
        );
      }
      if (tileOutput > maxBand) {
        throw new UsageError(`one tile's output (${tileOutput} bytes) exceeds this adapter's storage binding limit of ${maxBand} bytes; use a smaller --tile`);
      }
      const grown = bandOf(view, [...current, tile], halo);
      if (
        current.length > 0 &&
        (grown.byteEnd - grown.byteStart > maxBand || current.length >= maxTiles || outputBytes + tileOutput > maxBand)
      ) {
        groups.push(current);
        current = [];
        outputBytes = 0;
      }
      current.push(tile);
      outputBytes += tileOutput;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }

  /**
   * One dispatch. Transfer time (for the scheduler's model) is the host's staging copy and
   * writeBuffer calls plus, once the GPU has finished the submission, mapping and copying out the
   * results; the wait for the submission itself is compute.
   */
  private async runGroup(job: BatchJob, tiles: Tile[], pipeline: GPUComputePipeline, slot: Slot, timing?: BatchTiming): Promise<unknown[]> {
    const { kernel, view, params, halo } = job;
    const uploadStart = performance.now();
    const band = bandOf(view, tiles, halo);
    const bandBytes = band.byteEnd - band.byteStart;

    // Dawn's writeBuffer crashes on views of a SharedArrayBuffer: stage through a plain buffer.
    if (slot.staging.byteLength < bandBytes) slot.staging = new ArrayBuffer(nextPowerOfTwo(bandBytes));
    copyBand(view, band, halo, job.boundary, new Uint8Array(slot.staging, 0, bandBytes));

    let descriptors: Uint32Array;
    let outputBytes: number;
    let dispatch: [number, number];
    let uniformData: ArrayBuffer;
    if (kernel.kind === 'reduction') {
      const recordWords = kernel.webgpu!.recordWords(view, params);
      outputBytes = tiles.length * view.channels * recordWords * 4;
      descriptors = new Uint32Array(tiles.length * 4);
      tiles.forEach((tile, i) => descriptors.set([tile.y - band.y0, tile.x, tile.height, tile.width], i * 4));
      dispatch = [tiles.length, view.channels];
      uniformData = kernel.webgpu!.uniforms(view, params, band, tiles.length);
    } else {
      const shape = kernel.output(view, params);
      const perWord = outputPacking(job);
      descriptors = new Uint32Array(tiles.length * 8);
      let offset = 0;
      let largest = 0;
      tiles.forEach((tile, i) => {
        const block = outputBlock(tile, shape);
        const words = blockWords(block.height * block.width * view.channels, perWord);
        descriptors.set([tile.y - band.y0, tile.x, tile.height, tile.width, offset, block.height, block.width, 0], i * 8);
        offset += words;
        largest = Math.max(largest, words);
      });
      outputBytes = offset * 4;
      dispatch = [Math.min(65535, Math.ceil(largest / this.workgroupSize)), tiles.length];
      uniformData = kernel.webgpu!.uniforms(view, params, band, tiles.length);
    }

    const readback = await this.scoped(`the ${kernel.name} batch`, () => {
      const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
      const data = (slot.data = this.ensureBuffer(slot.data, bandBytes, storage));
      const tileBuffer = (slot.tiles = this.ensureBuffer(slot.tiles, descriptors.byteLength, storage));
      const records = (slot.records = this.ensureBuffer(slot.records, outputBytes, storage | GPUBufferUsage.COPY_SRC));
      const readback = (slot.readback = this.ensureBuffer(
        slot.readback,
        outputBytes,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      ));
      const uniforms = (slot.uniforms = this.ensureBuffer(
        slot.uniforms,
        uniformData.byteLength,
        GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      ));

      const queue = this.device.queue;
      queue.writeBuffer(data, 0, slot.staging, 0, bandBytes);
      queue.writeBuffer(tileBuffer, 0, descriptors);
      queue.writeBuffer(uniforms, 0, uniformData);
      const bindGroup = this.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: data, size: Math.max(4, bandBytes) } },
          { binding: 1, resource: { buffer: tileBuffer, size: descriptors.byteLength } },
          { binding: 2, resource: { buffer: records, size: outputBytes } },
          { binding: 3, resource: { buffer: uniforms, size: uniformData.byteLength } },
        ],
      });
      const encoder = this.device.createCommandEncoder();
      encoder.clearBuffer(records, 0, outputBytes);
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(dispatch[0], dispatch[1]);
      pass.end();
      encoder.copyBufferToBuffer(records, 0, readback, 0, outputBytes);
      queue.submit([encoder.finish()]);
      return readback;
    });
    const uploadEnd = performance.now();
    try {
      await this.device.queue.onSubmittedWorkDone();
    } catch (error) {
      throw new DeviceError(`WebGPU submission failed${this.lost ? ` (device lost: ${this.lost})` : ''}: ${String(error)}`);
    }
    const readbackStart = performance.now();

    try {
      await readback.mapAsync(GPUMapMode.READ, 0, outputBytes);
    } catch (error) {
      throw new DeviceError(
        `WebGPU readback failed${this.lost ? ` (device lost: ${this.lost})` : ''}: ${String(error)}`,
      );
    }
    if (kernel.kind === 'map') {
      // Output blocks are written straight from the mapped memory (no copy of the readback).
      try {
        const mapped = readback.getMappedRange(0, outputBytes);
        const shape = kernel.output(view, params);
        // Blocks already in the output's dtype (packed by the shader, or f32 anyway) are copied.
        const packed = packedOutputDtype(job) !== null || shape.dtype === 'f32';
        tiles.forEach((tile, i) => {
          const block = outputBlock(tile, shape);
          const at = descriptors[i * 8 + 4]! * 4;
          if (packed) copyBlock(job.out!, block, mapped, at);
          else writeBlock(job.out!, block, new Float32Array(mapped, at, block.height * block.width * view.channels));
        });
      } finally {
        readback.unmap();
      }
      if (timing) timing.transferSeconds += (uploadEnd - uploadStart + performance.now() - readbackStart) / 1000;
      return tiles.map(() => null);
    }
    // Decoded partials may keep views of what they are given: decode from a copy.
    const bytes = readback.getMappedRange(0, outputBytes).slice(0);
    readback.unmap();
    if (timing) timing.transferSeconds += (uploadEnd - uploadStart + performance.now() - readbackStart) / 1000;
    const words = new Uint32Array(bytes);
    const tileWords = words.length / tiles.length;
    return tiles.map((tile, i) => kernel.webgpu!.decode(words.subarray(i * tileWords, (i + 1) * tileWords), tile, view, params));
  }

  /**
   * Runs synchronous WebGPU calls inside validation and out-of-memory error scopes and turns what
   * they catch into a DeviceError. Scopes are pushed and popped with no await in between, so the
   * other in-flight batch cannot take this one's errors.
   */
  private async scoped<T>(what: string, work: () => T): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let popped: Promise<[GPUError | null, GPUError | null]>;
    let result: T;
    try {
      result = work();
    } finally {
      popped = Promise.all([this.device.popErrorScope(), this.device.popErrorScope()]);
    }
    const [validation, memory] = await popped;
    const failure = validation ?? memory;
    if (failure) throw new DeviceError(`WebGPU rejected ${what}: ${failure.message}`);
    return result;
  }

  private ensureBuffer(buffer: GPUBuffer | undefined, bytes: number, usage: number): GPUBuffer {
    const needed = Math.max(16, Math.ceil(bytes / 4) * 4);
    if (buffer && buffer.size >= needed) return buffer;
    buffer?.destroy();
    const limit = this.info.limits!.maxBufferSize!;
    const size = Math.min(nextPowerOfTwo(needed), Math.max(needed, Math.floor(limit / 4) * 4));
    return this.device.createBuffer({ size, usage });
  }

  private pipeline(job: BatchJob): Promise<GPUComputePipeline> {
    const parts = job.kernel.webgpu!;
    const outDtype = packedOutputDtype(job);
    const constants: Record<string, number> = outDtype === null ? {} : { OUT_DTYPE: OUT_DTYPE_CODE[outDtype] };
    const key = `${parts.shaderKey(job.view, job.params)}:wg${this.workgroupSize}:out${outDtype ?? '-'}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.compile(job.kernel.name, parts.shaderSource(job.view, job.params, this.workgroupSize), constants);
      this.pipelines.set(key, pipeline);
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  /** Compiles WGSL with error scopes, so a shader error becomes an exception with its message. */
  private async compile(kernelName: string, source: string, constants: Record<string, number> = {}): Promise<GPUComputePipeline> {
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: source, label: kernelName });
    const scopePopped = this.device.popErrorScope();
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((message) => message.type === 'error');
    const scopeError = await scopePopped;
    if (errors.length > 0 || scopeError) {
      const text = errors.map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message}`).join('\n') || scopeError?.message;
      throw new DeviceError(`WGSL of kernel ${kernelName} failed to compile:\n${text}`);
    }
    this.device.pushErrorScope('validation');
    const pending = this.device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module, entryPoint: 'main', ...(Object.keys(constants).length > 0 ? { constants } : {}) },
      label: kernelName,
    });
    const pipelineScope = this.device.popErrorScope();
    let pipeline: GPUComputePipeline | null = null;
    let failure: string | null = null;
    try {
      pipeline = await pending;
    } catch (error) {
      failure = String(error);
    }
    const scopeFailure = await pipelineScope;
    if (failure !== null || scopeFailure || pipeline === null) {
      throw new DeviceError(`WebGPU could not build the ${kernelName} pipeline: ${failure ?? scopeFailure?.message}`);
    }
    return pipeline;
  }

  private acquireSlot(): Promise<Slot> {
    const slot = this.freeSlots.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(slot: Slot): void {
    const waiter = this.slotWaiters.shift();
    if (waiter) waiter(slot);
    else this.freeSlots.push(slot);
  }
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}
