import type { DType } from '../array/dtype.js';
import type { BatchJob } from './device.js';

// How a map shader with packedOutput lays out its output blocks (see WebGpuMapParts).

export const OUT_DTYPE_CODE: Record<DType, number> = { u8: 0, u16: 1, f32: 2 };

/** The output dtype a map shader packs its results in, or null for shaders that write f32. */
export function packedOutputDtype(job: BatchJob): DType | null {
  const { kernel } = job;
  if (kernel.kind !== 'map' || !kernel.webgpu?.packedOutput) return null;
  return kernel.output(job.view, job.params).dtype;
}

/** Output elements per u32 word. */
export function outputPacking(job: BatchJob): number {
  const dtype = packedOutputDtype(job);
  return dtype === 'u8' ? 4 : dtype === 'u16' ? 2 : 1;
}

export function blockWords(elements: number, perWord: number): number {
  return Math.ceil(elements / perWord);
}
