import type { OutputShape } from '../../kernels/types.js';
import type { Tile } from '../tiling/tile.js';
import { elementsOf, type ArrayView } from './array-view.js';
import { convertTo } from './convert.js';

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
 * converting each with the rule every backend shares (convert.ts).
 */
export function writeBlock(out: ArrayView, block: OutputBlock, values: ArrayLike<number>): void {
  const target = elementsOf(out);
  const rowElements = block.width * out.channels;
  for (let r = 0; r < block.height; r++) {
    const at = ((block.y + r) * out.width + block.x) * out.channels;
    const from = r * rowElements;
    if (out.dtype === 'f32') {
      for (let i = 0; i < rowElements; i++) target[at + i] = values[from + i]!;
    } else {
      for (let i = 0; i < rowElements; i++) target[at + i] = convertTo(out.dtype, values[from + i]!);
    }
  }
}
