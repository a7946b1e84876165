import type { ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import type { Binning } from '../tile-stats/params.js';
import { forEachStagedChunk, tileBands, type TileBand } from '../wasm/bands.js';
import { byteCountsPerChannel, byteLanes, countU8Band } from '../wasm/byte-counts.js';
import { inPlaceFirst } from '../wasm/in-place.js';
import type { WasmKernels } from '../wasm/module.js';
import { slotTableIn } from '../wasm/slot-table.js';
import { fromSlots, u8HistogramFromCounts } from './cpu.js';
import { histogramBinning, type HistogramParams } from './params.js';
import { emptyHistogramPartial, type HistogramPartial } from './partial.js';

/**
 * histogram on the WebAssembly SIMD kernels (kernels/wasm/c): counts identical to the reference
 * (cpu.ts). u8 counts bytes and bins the 256 counts; u16 goes through the reference's value ->
 * slot table; f32 computes the reference's f32 binning four values at a time.
 */
export function histogramWasm(kernels: WasmKernels, view: ArrayView, tiles: readonly Tile[], params: HistogramParams): HistogramPartial[] {
  // Where the array lives in a shared WebAssembly memory, read it in place (kernels/wasm/in-place.ts).
  return inPlaceFirst(kernels, view, (chosen) => histogramWasmOn(chosen, view, tiles, params));
}

function histogramWasmOn(kernels: WasmKernels, view: ArrayView, tiles: readonly Tile[], params: HistogramParams): HistogramPartial[] {
  const binning = histogramBinning(view.dtype, params);
  const results: HistogramPartial[] = new Array<HistogramPartial>(tiles.length);
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

function u8Band(kernels: WasmKernels, view: ArrayView, band: TileBand, binning: Binning, results: HistogramPartial[]): void {
  const { arena } = kernels;
  const channels = view.channels;
  const lanes = byteLanes(channels);
  const countsAt = countU8Band(kernels, view, band, lanes);
  band.members.forEach(({ index }, i) => {
    results[index] = u8HistogramFromCounts(byteCountsPerChannel(arena.u32(countsAt[i]!, lanes * 256), lanes, channels), channels, binning);
  });
}

function u16Band(kernels: WasmKernels, view: ArrayView, band: TileBand, binning: Binning, table: number, results: HistogramPartial[]): void {
  const { arena, exports } = kernels;
  const channels = view.channels;
  const slotCount = binning.bins + 2;
  // Two interleaved slot arrays per tile and channel (slots_u16 alternates between them).
  const slotsAt = band.members.map(() => Array.from({ length: channels }, () => arena.alloc(2 * slotCount * 4)));
  forEachStagedChunk(kernels, view, band, (stage, rows, stride) => {
    band.members.forEach(({ tile }, i) => {
      for (let c = 0; c < channels; c++) {
        exports.slots_u16(stage + ((tile.x - band.x0) * channels + c) * 2, rows, tile.width, stride, channels, table, slotsAt[i]![c]!, slotCount);
      }
    });
  });
  band.members.forEach(({ index }, i) => {
    const partial = emptyHistogramPartial(channels, binning.bins);
    for (let c = 0; c < channels; c++) {
      const both = arena.u32(slotsAt[i]![c]!, 2 * slotCount);
      const slots = new Uint32Array(slotCount);
      for (let s = 0; s < slotCount; s++) slots[s] = both[s]! + both[slotCount + s]!;
      fromSlots(partial.channels[c]!, slots);
    }
    results[index] = partial;
  });
}

function f32Band(kernels: WasmKernels, view: ArrayView, band: TileBand, binning: Binning, results: HistogramPartial[]): void {
  const { arena, exports } = kernels;
  const channels = view.channels;
  const bins = binning.bins;
  const loHalf = Math.fround(binning.lo * 0.5);
  // stats_f32's record (moments off: only the slots, below, bins, above and NaN, at 64, are used).
  const recordBytes = 64 + (bins + 3) * 4;
  const records = band.members.map(() => Array.from({ length: channels }, () => arena.alloc(recordBytes)));
  forEachStagedChunk(kernels, view, band, (stage, rows, stride) => {
    band.members.forEach(({ tile }, i) => {
      for (let c = 0; c < channels; c++) {
        const at = records[i]![c]!;
        const base = stage + ((tile.x - band.x0) * channels + c) * 4;
        exports.stats_f32(base, rows, tile.width, stride, channels, 0, 0, bins, binning.lo, binning.hi, loHalf, binning.scale, at, at + 16, at + 24, at + 64);
      }
    });
  });
  band.members.forEach(({ index }, i) => {
    const partial = emptyHistogramPartial(channels, bins);
    for (let c = 0; c < channels; c++) {
      const slots = arena.u32(records[i]![c]! + 64, bins + 3);
      const channel = partial.channels[c]!;
      fromSlots(channel, slots);
      channel.nan = slots[bins + 2]!;
    }
    results[index] = partial;
  });
}

