import type { OutputShape } from '../../kernels/types.js';
import type { Tile } from '../tiling/tile.js';
import type { ArrayView } from './array-view.js';

/** A tile's region of a map kernel's output, in output coordinates. */
export interface OutputBlock {
  readonly y: number;
  readonly x: number;
  readonly height: number;
  readonly width: number;
}

/**
 * The output elements a tile's core produces: the core divided by the kernel's factor. Tile
 * edges are multiples of the factor, so blocks of neighbouring tiles never overlap; at the
 * array's edge a partial block of input still yields one output element.
 */
export function outputBlock(tile: Tile, shape: Pick<OutputShape, 'factor' | 'height' | 'width'>): OutputBlock {
  const f = shape.factor;
  const y = Math.floor(tile.y / f);
  const x = Math.floor(tile.x / f);
  return {
    y,
    x,
    height: Math.min(shape.height, Math.ceil((tile.y + tile.height) / f)) - y,
    width: Math.min(shape.width, Math.ceil((tile.x + tile.width) / f)) - x,
  };
}

/**
 * Writes a block of computed values (height x width x channels, row-major) into the output,
 * converting each with the rule every backend shares (convert.ts's convertTo).
 */
export function writeBlock(out: ArrayView, block: OutputBlock, values: Float32Array): void {
  const rowElements = block.width * out.channels;
  // Runs on the main thread for every GPU tile, so each dtype gets its own monomorphic path:
  // f32 rows are copied whole; u8 rows go through Uint8ClampedArray, whose stores are exactly
  // convertTo's u8 rule (NaN to 0, clamp, round half to even) done natively; u16 is a loop.
  const count = out.height * out.width * out.channels;
  if (out.dtype === 'f32') {
    const target = new Float32Array(out.buffer, out.byteOffset, count);
    for (let r = 0; r < block.height; r++) {
      const from = r * rowElements;
      target.set(values.subarray(from, from + rowElements), ((block.y + r) * out.width + block.x) * out.channels);
    }
  } else if (out.dtype === 'u8') {
    const target = new Uint8ClampedArray(out.buffer, out.byteOffset, count);
    for (let r = 0; r < block.height; r++) {
      const from = r * rowElements;
      target.set(values.subarray(from, from + rowElements), ((block.y + r) * out.width + block.x) * out.channels);
    }
  } else {
    writeU16Rows(new Uint16Array(out.buffer, out.byteOffset, count), out, block, values);
  }
}

function writeU16Rows(target: Uint16Array, out: ArrayView, block: OutputBlock, values: Float32Array): void {
  const rowElements = block.width * out.channels;
  for (let r = 0; r < block.height; r++) {
    const at = ((block.y + r) * out.width + block.x) * out.channels;
    const from = r * rowElements;
    for (let i = 0; i < rowElements; i++) {
      const x = values[from + i]!;
      // convertTo's u16 rule: NaN to 0, clamp, round half to even.
      if (!(x > 0)) target[at + i] = 0;
      else if (x >= 65535) target[at + i] = 65535;
      else {
        const rounded = Math.round(x);
        target[at + i] = rounded - x === 0.5 && (rounded & 1) === 1 ? rounded - 1 : rounded;
      }
    }
  }
}

/**
 * Copies a block that is already in the output's dtype (a packed GPU readback starting at byte
 * `at` of `source`) into the output, row by row.
 */
export function copyBlock(out: ArrayView, block: OutputBlock, source: ArrayBuffer, at: number): void {
  const bytesPerElement = out.dtype === 'u8' ? 1 : out.dtype === 'u16' ? 2 : 4;
  const rowBytes = block.width * out.channels * bytesPerElement;
  const target = new Uint8Array(out.buffer, out.byteOffset, out.height * out.width * out.channels * bytesPerElement);
  const bytes = new Uint8Array(source, at, rowBytes * block.height);
  for (let r = 0; r < block.height; r++) {
    target.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), ((block.y + r) * out.width + block.x) * out.channels * bytesPerElement);
  }
}
