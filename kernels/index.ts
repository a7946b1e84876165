import { UsageError } from '../src/errors.js';
import { convolveKernel } from './convolve/kernel.js';
import { histogramKernel } from './histogram/kernel.js';
import { downsampleKernel } from './downsample/kernel.js';
import { mapKernel } from './map/kernel.js';
import { tileStatsKernel } from './tile-stats/kernel.js';
import type { AnyKernel } from './types.js';

/** Every built-in kernel, by name. A new kernel is one folder plus one line here. */
const KERNELS: readonly AnyKernel[] = [tileStatsKernel, histogramKernel, convolveKernel, mapKernel, downsampleKernel];

export function builtinKernels(): readonly AnyKernel[] {
  return KERNELS;
}

export function kernelNames(): string[] {
  return KERNELS.map((kernel) => kernel.name);
}

export function getKernel(name: string): AnyKernel {
  const kernel = KERNELS.find((candidate) => candidate.name === name);
  if (!kernel) {
    throw new UsageError(
      `unknown kernel '${name}': built-in kernels are ${kernelNames().join(', ')} (or give a module path such as ./my-kernel.js)`,
    );
  }
  return kernel;
}
