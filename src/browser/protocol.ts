import type { DeviceInfo, DeviceKind } from '../devices/device.js';
import type { DType } from '../array/dtype.js';
import type { Tile } from '../tiling/tile.js';

/**
 * What Node and the page say to each other through page.evaluate: small control messages only.
 * Bulk data goes through the runner's loopback HTTP server (input by GET, results by POST).
 */

/** One device the page opened, as the Node side proxies it. */
export interface PageDevice {
  readonly info: DeviceInfo;
  readonly concurrency: number;
  readonly sharedQueue: boolean;
  readonly maxBandBytes: number;
  /** Built-in kernels it implements, by name. */
  readonly kernels: readonly string[];
}

export interface PageOpenReply {
  readonly devices: PageDevice[];
  /** Why a device kind the page was asked for is missing. */
  readonly failures: { kind: DeviceKind; reason: string }[];
  /** The WebGL2 renderer (gpu.js runs on it), or null without WebGL2. */
  readonly webgl2Renderer: string | null;
  readonly userAgent: string;
  readonly crossOriginIsolated: boolean;
}

export interface ArrayShape {
  readonly dtype: DType;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** One batch for one page device; tiles are relative to the rows the page fetches. */
export interface PageBatch {
  readonly id: number;
  readonly device: string;
  readonly kernel: string;
  /** Parameters and boundary, encoded with codec.ts. */
  readonly job: string;
  readonly halo: number;
  readonly view: ArrayShape;
  readonly out: ArrayShape | null;
  readonly tiles: Tile[];
}

export interface PageBatchReply {
  readonly fetchSeconds: number;
  readonly computeSeconds: number;
  readonly postSeconds: number;
  /** Bytes of batch data the page held at once, at most, since it opened. */
  readonly maxHeldBytes: number;
}

/** What the page bundle puts on window. */
export interface PageApi {
  open(kinds: readonly DeviceKind[]): Promise<PageOpenReply>;
  run(batch: PageBatch): Promise<PageBatchReply>;
  close(): Promise<void>;
}

export const PAGE_GLOBAL = 'tilerunPage';
