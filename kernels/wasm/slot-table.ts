import { u16SlotTable } from '../histogram/cpu.js';
import type { Binning } from '../tile-stats/params.js';
import type { WasmKernels } from './module.js';

/**
 * The reference's u16 value -> slot table (slot 0 below the range, 1..bins, bins+1 above) copied
 * into the module's memory for slots_u16; returns its address (valid until the arena is reset).
 */
export function slotTableIn(kernels: WasmKernels, binning: Binning): number {
  const at = kernels.arena.alloc(65536 * 4);
  kernels.arena.u32(at, 65536).set(u16SlotTable(binning));
  return at;
}
