import type { GPU, IKernelRunShortcut } from 'gpu.js';
import type { AnyKernel, GpuJsContext } from '../../kernels/types.js';
import { DeviceError } from '../errors.js';
import type { Tile } from '../tiling/tile.js';
import type { BatchJob, Device, DeviceInfo } from './device.js';

/** gpu.js kernel classes that run on a real GL context (the others run on the CPU cores). */
const GL_BACKENDS = ['WebGL2Kernel', 'WebGLKernel', 'HeadlessGLKernel'];

export const GPUJS_MODES = ['auto', 'headlessgl', 'webasm', 'cpu'] as const;
export type GpuJsMode = (typeof GPUJS_MODES)[number];

export interface GpuJsDeviceOptions {
  /** gpu.js mode to ask for; auto takes headless-gl where it is installed, else WebAssembly, else JS. */
  mode?: GpuJsMode;
}

/**
 * The gpu.js backend. gpu.js picks a kernel class by what the platform offers: WebGL2 in a
 * browser, headless-gl in Node where the optional `gl` package built, otherwise its WebAssembly
 * kernels, otherwise plain JS. `gpu.mode` reports what was asked for, not what runs, so the
 * device runs a probe kernel and reads the class that actually executed it.
 * Kernels run synchronously on the calling thread, so the device takes one batch at a time.
 */
export class GpuJsDevice implements Device {
  readonly concurrency = 1;
  readonly maxBandBytes: number;
  private readonly cache = new Map<string, IKernelRunShortcut>();
  private readonly context: GpuJsContext;

  private constructor(
    private readonly gpu: GPU,
    readonly info: DeviceInfo,
  ) {
    // GL backends hold the band in one float texture; 256 MiB keeps well inside common limits.
    this.maxBandBytes = GL_BACKENDS.includes(info.backend ?? '') ? 256 * 2 ** 20 : Number.POSITIVE_INFINITY;
    const cache = this.cache;
    this.context = {
      gpu,
      backend: info.backend ?? 'unknown',
      kernel(key: string, build: (gpu: GPU) => IKernelRunShortcut): IKernelRunShortcut {
        let kernel = cache.get(key);
        if (!kernel) {
          // highp always. Left to itself gpu.js picks lowp or mediump for small outputs (16-bit
          // floats on many GPUs, where counts and indices stop being exact), and a dynamic output
          // that grows across that line makes it "switch" to a kernel that keeps the old size
          // (WebGL2 then returned one row of a histogram's counts where eight were asked for).
          kernel = build(gpu).setTactic('precision');
          cache.set(key, kernel);
        }
        return kernel;
      },
    };
  }

  static async open(options: GpuJsDeviceOptions = {}): Promise<GpuJsDevice> {
    let GPUClass: typeof GPU;
    try {
      ({ GPU: GPUClass } = (await import('gpu.js')).default as unknown as { GPU: typeof GPU });
    } catch (error) {
      throw new DeviceError(`gpu.js is not installed or failed to load (${String(error)}); run npm install`);
    }
    const mode = options.mode ?? 'auto';
    let gpu: GPU | null = null;
    let backend: string;
    try {
      gpu = new GPUClass(mode === 'auto' ? {} : { mode });
      backend = probeBackend(gpu);
    } catch (error) {
      await gpu?.destroy().catch(() => undefined);
      throw new DeviceError(`gpu.js could not start in mode ${mode}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const software = !GL_BACKENDS.includes(backend);
    return new GpuJsDevice(gpu, {
      id: 'gpujs',
      kind: 'gpujs',
      description: `gpu.js ${backend}${software ? ' (runs on the CPU: no GL context in this process)' : ''}`,
      software,
      backend,
    });
  }

  supports(kernel: AnyKernel): boolean {
    return kernel.gpujs !== undefined;
  }

  /**
   * gpu.js transpiles and builds a kernel on its first call, so a malformed kernel function would
   * only fail mid-run: run one small tile first. Its output region is written again by whichever
   * device later runs the real tiles there, so nothing of it survives.
   */
  async prepare(job: BatchJob): Promise<void> {
    const { view } = job;
    const probe: Tile = { index: 0, row: 0, col: 0, y: 0, x: 0, height: Math.min(view.height, 8), width: Math.min(view.width, 8), halo: job.halo };
    try {
      await this.run(job, [probe]);
    } catch (error) {
      throw new DeviceError(`gpu.js could not build kernel ${job.kernel.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async run(job: BatchJob, tiles: readonly Tile[]): Promise<unknown[]> {
    const { kernel, view, params } = job;
    if (!kernel.gpujs) throw new DeviceError(`kernel ${kernel.name} has no gpu.js implementation`);
    // Let other devices' lanes get their batches going before this thread is busy.
    await new Promise((resolve) => setImmediate(resolve));
    if (kernel.kind === 'reduction') return kernel.gpujs.run(this.context, view, tiles, params);
    kernel.gpujs.run(this.context, view, tiles, params, job.out!);
    return tiles.map(() => null);
  }

  async close(): Promise<void> {
    for (const kernel of this.cache.values()) kernel.destroy?.(true);
    this.cache.clear();
    await this.gpu.destroy();
  }
}

/** Runs a one-thread kernel and reports the gpu.js kernel class that ran it. */
function probeBackend(gpu: GPU): string {
  const probe = gpu.createKernel(function (this: { thread: { x: number } }) {
    return this.thread.x + 1;
  }, { output: [2] });
  const result = probe() as Float32Array;
  if (result[1] !== 2) throw new Error(`probe kernel returned ${String(result)} instead of 1,2`);
  const name = (probe as unknown as { kernel: { constructor: { name: string } } }).kernel.constructor.name;
  probe.destroy?.(true);
  return name;
}
