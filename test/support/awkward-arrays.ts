import { arrayFromElements, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';

export interface Case {
  name: string;
  view: ArrayView;
  tile: number;
}

/** Deterministic pseudo-random numbers (xorshift32) so failures reproduce. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

function make(dtype: DType, height: number, width: number, channels: number, fill: (i: number, random: () => number) => number, seed = 7): ArrayView {
  const random = randomSource(seed);
  const data = Array.from({ length: height * width * channels }, (_, i) => fill(i, random));
  return arrayFromElements(dtype, height, width, channels, data);
}

const FLT_MAX = 3.4028234663852886e38;
const SMALLEST_SUBNORMAL = 1.401298464324817e-45;

/** The inputs every backend must agree on: odd sizes, one pixel, constants, extremes, NaN/Inf, channels. */
export function awkwardCases(): Case[] {
  return [
    { name: 'u8 odd size 37x53, tile 16', view: make('u8', 37, 53, 1, (_, r) => Math.floor(r() * 256)), tile: 16 },
    { name: 'u8 one pixel', view: make('u8', 1, 1, 1, () => 200), tile: 512 },
    { name: 'u8 1x1 tiles', view: make('u8', 5, 7, 1, (i) => (i * 37) % 256), tile: 1 },
    { name: 'u8 constant', view: make('u8', 64, 64, 1, () => 7), tile: 32 },
    { name: 'u8 extremes 0/255', view: make('u8', 33, 65, 1, (i) => (i % 3 === 0 ? 255 : 0)), tile: 16 },
    { name: 'u8 all 255, big tile', view: make('u8', 300, 301, 1, () => 255), tile: 300 },
    { name: 'u8 RGBA 4 channels', view: make('u8', 19, 23, 4, (_, r) => Math.floor(r() * 256)), tile: 8 },
    { name: 'u8 RGB 3 channels', view: make('u8', 17, 29, 3, (_, r) => Math.floor(r() * 256)), tile: 16 },
    { name: 'u16 odd size', view: make('u16', 41, 39, 1, (_, r) => Math.floor(r() * 65536)), tile: 16 },
    { name: 'u16 extremes 0/65535', view: make('u16', 31, 33, 1, (i) => (i % 2 ? 65535 : 0)), tile: 8 },
    { name: 'u16 constant 65535 (64-bit sums)', view: make('u16', 256, 256, 1, () => 65535), tile: 256 },
    { name: 'u16 2 channels', view: make('u16', 9, 13, 2, (_, r) => Math.floor(r() * 4096)), tile: 4 },
    { name: 'u16 one pixel', view: make('u16', 1, 1, 1, () => 4095), tile: 512 },
    { name: 'f32 random odd size', view: make('f32', 29, 31, 1, (_, r) => (r() - 0.5) * 1000), tile: 8 },
    { name: 'f32 constant 0.1', view: make('f32', 64, 64, 1, () => 0.1), tile: 64 },
    { name: 'f32 large offset, small spread', view: make('f32', 40, 40, 1, (_, r) => 1e6 + r()), tile: 16 },
    {
      name: 'f32 NaN and infinities',
      view: make('f32', 23, 17, 1, (i, r) => {
        if (i % 7 === 0) return Number.NaN;
        if (i % 11 === 0) return Infinity;
        if (i % 13 === 0) return -Infinity;
        return r() * 10 - 5;
      }),
      tile: 8,
    },
    { name: 'f32 only +Inf and NaN', view: make('f32', 5, 3, 1, (i) => (i % 4 === 2 ? Number.NaN : Infinity)), tile: 4 },
    { name: 'f32 only -Inf', view: make('f32', 3, 3, 1, () => -Infinity), tile: 2 },
    {
      name: 'f32 NaN border, values far from zero with a tiny spread',
      view: make('f32', 40, 48, 1, (i, r) => (i % 48 < 30 ? Number.NaN : 10000 + Math.floor(r() * 8) / 1024)),
      tile: 16,
    },
    { name: 'f32 constant 1e30 (range too narrow for f32)', view: make('f32', 9, 9, 1, () => 1e30), tile: 4 },
    { name: 'f32 all NaN', view: make('f32', 6, 6, 1, () => Number.NaN), tile: 4 },
    {
      name: 'f32 extremes',
      view: make('f32', 12, 12, 1, (i) => [FLT_MAX, -FLT_MAX, SMALLEST_SUBNORMAL, -0, 0, 1e20, -1e-30][i % 7]!),
      tile: 5,
    },
    { name: 'f32 4 channels', view: make('f32', 11, 13, 4, (_, r) => r() * 2 - 1), tile: 4 },
    { name: 'f32 one pixel', view: make('f32', 1, 1, 1, () => -2.5), tile: 1 },
  ];
}
