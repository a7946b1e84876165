/**
 * The page's entry (bundled by esbuild, served by the runner's loopback server): opens the
 * browser's devices with the same device classes Node uses (WebGpuDevice on navigator.gpu,
 * GpuJsDevice on WebGL2, a Web Worker pool for the CPU kernels) and runs the batches the Node
 * scheduler sends, receiving exactly the rows each batch needs and sending its results back over
 * one WebSocket (batch-socket.ts).
 */
import { getKernel, builtinKernels } from '../../../kernels/index.js';
import type { ArrayView } from '../../array/array-view.js';
import type { BatchJob, Device, DeviceKind } from '../../devices/device.js';
import { GpuJsDevice } from '../../devices/gpujs.js';
import { describeAdapter } from '../../devices/webgpu-probe.js';
import { WebGpuDevice } from '../../devices/webgpu.js';
import { decodeValue, encodeValue } from '../codec.js';
import { PAGE_GLOBAL, type ArrayShape, type PageApi, type PageBatch, type PageBatchReply, type PageDevice, type PageOpenReply } from '../protocol.js';
import { DTYPE_INFO } from '../../array/dtype.js';
import { WorkerPoolDevice } from './worker-pool.js';
import { receiveInput, sendResults } from './batch-socket.js';
import { browser } from './browser-globals.js';
import type { BoundaryMode } from '../../../kernels/boundary.js';

// gpujs.ts yields with setImmediate (Node); a browser has setTimeout.
const globals = globalThis as unknown as { setImmediate?: (callback: () => void) => void };
globals.setImmediate ??= (callback) => setTimeout(callback, 0);

const devices = new Map<string, Device>();
let heldBytes = 0;
let maxHeldBytes = 0;

function hold(bytes: number): void {
  heldBytes += bytes;
  maxHeldBytes = Math.max(maxHeldBytes, heldBytes);
}

function sharedArray(shape: ArrayShape, from?: Uint8Array): ArrayView {
  const bytes = shape.height * shape.width * shape.channels * DTYPE_INFO[shape.dtype].bytesPerElement;
  if (from && from.byteLength < bytes) throw new Error(`a batch's input has ${from.byteLength} bytes, its rows need ${bytes}`);
  // Whole u32 words, as allocateArray gives in Node: GPU uploads read words.
  const buffer = new SharedArrayBuffer(Math.ceil(bytes / 4) * 4);
  if (from) new Uint8Array(buffer).set(from.subarray(0, bytes));
  return { ...shape, buffer, byteOffset: 0 };
}

function webgl2Renderer(): string | null {
  const gl = new browser.OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function wasmModule(): Promise<object | null> {
  const response = await fetch('kernels.wasm');
  if (!response.ok) return null;
  return browser.WebAssembly.compile(await response.arrayBuffer());
}

async function openKind(kind: DeviceKind, threads: number): Promise<Device> {
  if (kind === 'webgpu') {
    const gpu = browser.navigator.gpu;
    if (!gpu) throw new Error('navigator.gpu is missing (Chromium needs --enable-unsafe-webgpu and a secure context)');
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() gave no adapter');
    const { software } = describeAdapter(adapter, 'vulkan');
    const info = adapter.info;
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
    return WebGpuDevice.fromAdapter({ backend: 'vulkan', adapter, software, description: `WebGPU ${name}${software ? ' (fallback adapter)' : ''}` }, 'browser:webgpu');
  }
  if (kind === 'gpujs') return GpuJsDevice.open();
  return WorkerPoolDevice.open(new URL('worker.js', browser.location.href).href, threads, await wasmModule());
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software/i;

async function open(kinds: readonly DeviceKind[], threads = browser.navigator.hardwareConcurrency || 2): Promise<PageOpenReply> {
  const opened: PageDevice[] = [];
  const failures: PageOpenReply['failures'] = [];
  const renderer = webgl2Renderer();
  for (const kind of kinds) {
    try {
      const device = await openKind(kind, threads);
      devices.set(kind, device);
      // gpu.js on WebGL2 says "hardware" by its kernel class; the renderer says whether it is.
      const software = device.info.software || (kind === 'gpujs' && renderer !== null && SOFTWARE_RENDERER.test(renderer));
      opened.push({
        info: { ...device.info, software, ...(kind === 'gpujs' && renderer ? { description: `${device.info.description} on ${renderer}` } : {}) },
        concurrency: device.concurrency,
        sharedQueue: device.sharedQueue === true,
        maxBandBytes: Number.isFinite(device.maxBandBytes) ? device.maxBandBytes : -1,
        kernels: builtinKernels().filter((kernel) => device.supports(kernel)).map((kernel) => kernel.name),
      });
    } catch (error) {
      failures.push({ kind, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { devices: opened, failures, webgl2Renderer: renderer, userAgent: browser.navigator.userAgent, crossOriginIsolated: browser.crossOriginIsolated };
}

async function run(batch: PageBatch): Promise<PageBatchReply> {
  const device = devices.get(batch.device);
  if (!device) throw new Error(`the page has no device ${batch.device}`);
  const kernel = getKernel(batch.kernel);
  const { params, boundary } = decodeValue<{ params: unknown; boundary?: BoundaryMode }>(batch.job);
  const fetchStart = performance.now();
  const input = await receiveInput(batch.id);
  const view = sharedArray(batch.view, input);
  const out = batch.out ? sharedArray(batch.out) : undefined;
  const held = view.buffer.byteLength + (out?.buffer.byteLength ?? 0);
  hold(held);
  try {
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    const job: BatchJob = { kernel, view, params, halo: batch.halo, ...(boundary ? { boundary } : {}), ...(out ? { out } : {}) };
    const computeStart = performance.now();
    const results = await device.run(job, batch.tiles);
    const computeSeconds = (performance.now() - computeStart) / 1000;
    const postStart = performance.now();
    // The output rows (shared memory) are copied once, behind the message's batch id.
    const body = out ? new Uint8Array(out.buffer, 0, out.height * out.width * out.channels * DTYPE_INFO[out.dtype].bytesPerElement) : new TextEncoder().encode(encodeValue(results));
    await sendResults(batch.id, body);
    return { fetchSeconds, computeSeconds, postSeconds: (performance.now() - postStart) / 1000, maxHeldBytes };
  } finally {
    heldBytes -= held;
  }
}

async function close(): Promise<void> {
  await Promise.allSettled([...devices.values()].map((device) => device.close()));
  devices.clear();
}

const api: PageApi & { open(kinds: readonly DeviceKind[], threads?: number): Promise<PageOpenReply> } = { open, run, close };
(globalThis as unknown as Record<string, unknown>)[PAGE_GLOBAL] = api;
