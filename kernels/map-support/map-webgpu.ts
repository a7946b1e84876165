import type { ArrayView } from '../../src/array/array-view.js';
import { paddedRowBytes } from '../../src/devices/band.js';
import { loadWgsl } from '../load-wgsl.js';
import type { Band } from '../types.js';

/** Numbers a map kernel may pass its shader through param(i). */
export const MAX_EXTRA_PARAMS = 256;

const DTYPE_CODE = { u8: 0, u16: 1, f32: 2 } as const;

/**
 * A map kernel's complete WGSL: the kernel's `compute` function, then the shared prelude (bindings, load, boundary_index,
 * the entry point looping over each tile's output block), then the constants.
 */
export function mapShaderSource(view: ArrayView, workgroupSize: number, kernelWgsl: string): string {
  const header =
    `const DTYPE: u32 = ${DTYPE_CODE[view.dtype]}u;\n` +
    `const WG: u32 = ${workgroupSize}u;\n` +
    `const CHANNELS: u32 = ${view.channels}u;\n`;
  // Module-scope WGSL declarations may come in any order: the kernel's code goes first so the
  // compiler's line numbers are the kernel's own.
  return kernelWgsl + '\n' + loadWgsl(import.meta.url, './map-prelude.wgsl') + '\n' + header;
}

/** The prelude's uniform block: band geometry plus the kernel's numbers. */
export function mapUniforms(view: ArrayView, band: Band, halo: number, extra: ArrayLike<number> = []): ArrayBuffer {
  if (extra.length > MAX_EXTRA_PARAMS) throw new RangeError(`at most ${MAX_EXTRA_PARAMS} extra parameters, got ${extra.length}`);
  const buffer = new ArrayBuffer(32 + MAX_EXTRA_PARAMS * 4);
  const words = new Uint32Array(buffer, 0, 8);
  const signed = new Int32Array(buffer, 0, 8);
  words[0] = view.width;
  words[1] = view.height;
  words[2] = band.headElements;
  words[3] = halo === 0 ? 0 : paddedRowBytes(view) / 4;
  signed[4] = band.y0;
  new Float32Array(buffer, 32, MAX_EXTRA_PARAMS).set(Array.from(extra));
  return buffer;
}
