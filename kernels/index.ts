import { UsageError } from '../src/errors.js';
import { tileStatsKernel } from './tile-stats/kernel.js';
import type { AnyReductionKernel } from './types.js';

/** Every built-in kernel, by name. A new kernel is one folder plus one line here. */
const KERNELS: readonly AnyReductionKernel[] = [tileStatsKernel];

export function kernelNames(): string[] {
  return KERNELS.map((kernel) => kernel.name);
}

export function getKernel(name: string): AnyReductionKernel {
  const kernel = KERNELS.find((candidate) => candidate.name === name);
  if (!kernel) {
    throw new UsageError(`unknown kernel '${name}': available kernels are ${kernelNames().join(', ')}`);
  }
  return kernel;
}
