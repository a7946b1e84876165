import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import { forEachStagedChunk, tileBands, type TileBand } from '../wasm/bands.js';
import { byteCountsPerChannel, byteLanes, countU8Band } from '../wasm/byte-counts.js';
import { inPlaceFirst } from '../wasm/in-place.js';
import type { WasmKernels } from '../wasm/module.js';
import { slotTableIn } from '../wasm/slot-table.js';
import { firstFinite } from './cpu.js';
import { finishFloat, finishIntegerExact, u8StatsFromCounts } from './exact-stats.js';
import { makeBinning, type Binning, type TileStatsParams } from './params.js';
import { emptyChannelStats, type ChannelStats, type TileStatsPartial } from './partial.js';

/**
 * tile-stats on the WebAssembly SIMD kernels (kernels/wasm/c): the same partials as the
 * reference (cpu.ts), integers bit for bit. u8 counts bytes (eight sub-histograms, 64-bit loads)
 * and derives everything from the counts; u16 sums exactly in u64 lanes and bins through the
 * reference's value -> slot table; f32 sums deviations in f64 lanes (another order than the
 * reference's, within the kernel's float tolerance) and bins with the reference's f32 steps.
 */
export function tileStatsWasm(kernels: WasmKernels, view: ArrayView, tiles: readonly Tile[], params: TileStatsParams): TileStatsPartial[] {
  // Where the array lives in a shared WebAssembly memory, read it in place (kernels/wasm/in-place.ts).
  return inPlaceFirst(kernels, view, (chosen) => tileStatsWasmOn(chosen, view, tiles, params));
}

function tileStatsWasmOn(kernels: WasmKernels, view: ArrayView, tiles: readonly Tile[], params: TileStatsParams): TileStatsPartial[] {
  const binning = makeBinning(view.dtype, params);
  const results: TileStatsPartial[] = new Array<TileStatsPartial>(tiles.length);
  // The u16 value -> slot table (256 KiB) goes into the module once per call, not once per band.
  const table = view.dtype === 'u16' && binning.bins > 0 ? slotTableIn(kernels, binning) : 0;
  for (const band of tileBands(tiles)) {
    const mark = kernels.arena.mark();
    if (view.dtype === 'u8') u8Band(kernels, view, band, binning, results);
    else if (view.dtype === 'u16') u16Band(kernels, view, band, binning, table, results);
    else f32Band(kernels, view, band, binning, results);
    kernels.arena.release(mark);
  }
  return results;
}

function u8Band(kernels: WasmKernels, view: ArrayView, band: TileBand, binning: Binning, results: TileStatsPartial[]): void {
  const { arena } = kernels;
  const channels = view.channels;
  const lanes = byteLanes(channels);
  const countsAt = countU8Band(kernels, view, band, lanes);
  band.members.forEach(({ tile, index }, i) => {
    results[index] = u8StatsFromCounts(byteCountsPerChannel(arena.u32(countsAt[i]!, lanes * 256), lanes, channels), channels, binning, tile);
  });
}

function u16Band(kernels: WasmKernels, view: ArrayView, band: TileBand, binning: Binning, table: number, results: TileStatsPartial[]): void {
  const { arena, exports } = kernels;
  const channels = view.channels;
  const bins = binning.bins;
  const slotCount = bins + 2;
  // Per tile and channel: [sum, sum of squares, min, max] as u64, then two slot arrays; one block, records side by side.
  const recordBytes = Math.ceil((32 + (bins > 0 ? 2 * slotCount * 4 : 0)) / 16) * 16;
  const first = arena.alloc(band.members.length * channels * recordBytes);
  const records = band.members.map((_, i) =>
    Array.from({ length: channels }, (_, c) => {
      const at = first + (i * channels + c) * recordBytes;
      arena.u64(at, 4)[2] = 65535n;
      return at;
    }),
  );
  // Read in place, one channel: the members of the first member's width (all but a narrower last
  // one) go row by row across the band, so each array row is one sequential read (see countU8Band).
  const width = band.members[0]!.tile.width;
  let even = 0;
  while (even < band.members.length && band.members[even]!.tile.width === width) even++;
  const acrossRows = kernels.inPlace !== undefined && kernels.inPlace === view.memory && channels === 1 && even > 1;
  const lanes = acrossRows ? arena.alloc(even * 64) : 0;
  forEachStagedChunk(kernels, view, band, (stage, rows, stride) => {
    let from = 0;
    if (acrossRows) {
      exports.stats_slots_u16_tiles(stage, rows, width, stride, even, bins > 0 ? table : 0, first, recordBytes, slotCount, lanes);
      from = even;
    }
    for (let i = from; i < band.members.length; i++) {
      const { tile } = band.members[i]!;
      for (let c = 0; c < channels; c++) {
        const base = stage + ((tile.x - band.x0) * channels + c) * 2;
        const at = records[i]![c]!;
        exports.stats_u16(base, rows, tile.width, stride, channels, at);
        if (bins > 0) exports.slots_u16(base, rows, tile.width, stride, channels, table, at + 32, slotCount);
      }
    }
  });
  band.members.forEach(({ tile, index }, i) => {
    const result: ChannelStats[] = [];
    for (let c = 0; c < channels; c++) {
      const at = records[i]![c]!;
      const acc = arena.u64(at, 4);
      const stats = emptyChannelStats(bins, true);
      stats.finiteMin = Number(acc[2]);
      stats.finiteMax = Number(acc[3]);
      if (bins > 0) {
        const slots = arena.u32(at + 32, 2 * slotCount);
        stats.below = slots[0]! + slots[slotCount]!;
        stats.above = slots[bins + 1]! + slots[slotCount + bins + 1]!;
        for (let bin = 0; bin < bins; bin++) stats.histogram[bin] = slots[bin + 1]! + slots[slotCount + bin + 1]!;
      }
      finishIntegerExact(stats, tile, acc[0]!, acc[1]!);
      result.push(stats);
    }
    results[index] = { channels: result };
  });
}

function f32Band(kernels: WasmKernels, view: ArrayView, band: TileBand, binning: Binning, results: TileStatsPartial[]): void {
  const { arena, exports } = kernels;
  const channels = view.channels;
  const bins = binning.bins;
  const data = elementsOf(view) as Float32Array;
  const loHalf = Math.fround(binning.lo * 0.5);
  // Per tile and channel: sums (2 f64) at 0, min and max (f32) at 16, NaN/+Inf/-Inf counts at 24, slots at 64.
  const recordBytes = 64 + (bins > 0 ? (bins + 3) * 4 : 0);
  const records = band.members.map(({ tile }) =>
    Array.from({ length: channels }, (_, c) => {
      const at = arena.alloc(recordBytes);
      arena.f32(at + 16, 2).set([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      return { at, shift: firstFinite(data, view, tile, c) };
    }),
  );
  forEachStagedChunk(kernels, view, band, (stage, rows, stride) => {
    band.members.forEach(({ tile }, i) => {
      for (let c = 0; c < channels; c++) {
        const { at, shift } = records[i]![c]!;
        const base = stage + ((tile.x - band.x0) * channels + c) * 4;
        exports.stats_f32(base, rows, tile.width, stride, channels, 1, shift, bins, binning.lo, binning.hi, loHalf, binning.scale, at, at + 16, at + 24, bins > 0 ? at + 64 : 0);
      }
    });
  });
  band.members.forEach(({ tile, index }, i) => {
    const result: ChannelStats[] = [];
    for (let c = 0; c < channels; c++) {
      const { at, shift } = records[i]![c]!;
      const [sum, sumSq] = arena.f64(at, 2) as unknown as [number, number];
      const [min, max] = arena.f32(at + 16, 2) as unknown as [number, number];
      const [nan, posInf, negInf] = arena.u32(at + 24, 3) as unknown as [number, number, number];
      const stats = emptyChannelStats(bins, false);
      finishFloat(stats, tile, { nan, posInf, negInf, min, max, sum, sumSq, shift });
      if (bins > 0) {
        const slots = arena.u32(at + 64, bins + 3);
        stats.below = slots[0]!;
        stats.above = slots[bins + 1]!;
        for (let bin = 0; bin < bins; bin++) stats.histogram[bin] = slots[bin + 1]!;
      }
      result.push(stats);
    }
    results[index] = { channels: result };
  });
}
