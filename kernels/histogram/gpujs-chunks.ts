import type { Tile } from '../../src/tiling/tile.js';

/**
 * How the gpu.js backend splits a batch so everything it computes in f32 stays exact.
 * f32 holds every integer only up to 2^24, and gpu.js computes in f32: a gpu.js thread's count
 * and every index into a call's input are f32 values. So one thread counts one bin over a chunk
 * of at most `maxChunk` (< 2^24) elements of one tile's channel, one call takes at most
 * `maxCall` (<= 2^24) elements, and chunk counts are added in JS as doubles.
 */
export interface GpuJsLimits {
  /** Most elements one gpu.js thread counts. */
  readonly maxChunk: number;
  /** Most input elements (chunks x chunk length, padding included) one gpu.js call takes. */
  readonly maxCall: number;
}

/** f32's last exactly counted integer is 2^24; nothing a thread counts or indexes may pass it. */
export const F32_EXACT_LIMIT = 2 ** 24;

/**
 * 2^16 elements a chunk keeps a GL backend busy with many threads per call; 2^22 elements a call
 * keeps the WebAssembly backend's memory for one call (input, codes, counts) near 50 MiB.
 */
export const GPUJS_LIMITS: GpuJsLimits = { maxChunk: 2 ** 16, maxCall: 2 ** 22 };

/**
 * WebGL2 promises textures of 2048 texels on a side and no more: an output of a count per (code,
 * chunk) keeps both of its edges within it, so calls take at most this many chunks and codes are
 * counted in slices of at most this many (a 65536-bin histogram in 33 slices).
 */
export const MAX_TEXTURE_EDGE = 2048;

/** A run of consecutive elements (row-major within the tile) of one channel of one tile. */
export interface Chunk {
  /** The tile's position in the batch. */
  readonly slot: number;
  readonly channel: number;
  /** Element ordinal within the tile's channel where the chunk starts (row * width + column). */
  readonly start: number;
  readonly length: number;
}

/** One gpu.js call: its chunks, each given `chunkLength` input slots, `paddedChunks` in all. */
export interface ChunkCall {
  readonly chunkLength: number;
  readonly chunks: readonly Chunk[];
  /** Chunk slots in the call (a power of two, so calls reuse a few input sizes); the extra are empty. */
  readonly paddedChunks: number;
}

export function checkLimits(limits: GpuJsLimits): void {
  const { maxChunk, maxCall } = limits;
  if (!Number.isSafeInteger(maxChunk) || maxChunk < 1 || maxChunk >= F32_EXACT_LIMIT) {
    throw new RangeError(`gpu.js chunk limit must be an integer from 1 to 2^24-1, got ${maxChunk}`);
  }
  if (!Number.isSafeInteger(maxCall) || maxCall < maxChunk || maxCall > F32_EXACT_LIMIT) {
    throw new RangeError(`gpu.js call limit must be an integer from the chunk limit (${maxChunk}) to 2^24, got ${maxCall}`);
  }
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

/**
 * Splits every (tile, channel) of a batch into chunks and groups them into calls. The chunk
 * length is the largest tile's element count rounded up to a power of two, capped at maxChunk,
 * so small tiles are not padded to a large chunk.
 */
export function planChunkCalls(tiles: readonly Tile[], channels: number, limits: GpuJsLimits): ChunkCall[] {
  checkLimits(limits);
  const largest = tiles.reduce((most, tile) => Math.max(most, tile.width * tile.height), 1);
  const chunkLength = Math.min(limits.maxChunk, nextPowerOfTwo(largest));
  const chunks: Chunk[] = [];
  tiles.forEach((tile, slot) => {
    const elements = tile.width * tile.height;
    for (let channel = 0; channel < channels; channel++) {
      for (let start = 0; start < elements; start += chunkLength) {
        chunks.push({ slot, channel, start, length: Math.min(chunkLength, elements - start) });
      }
    }
  });
  const perCall = Math.min(MAX_TEXTURE_EDGE, Math.floor(limits.maxCall / chunkLength));
  const calls: ChunkCall[] = [];
  for (let first = 0; first < chunks.length; first += perCall) {
    const group = chunks.slice(first, first + perCall);
    calls.push({ chunkLength, chunks: group, paddedChunks: Math.min(perCall, nextPowerOfTwo(group.length)) });
  }
  return calls;
}
