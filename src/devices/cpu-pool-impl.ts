import type { CpuImpl } from '../../kernels/wasm/choice.js';
import { CpuPoolDevice, type CpuPoolOptions } from './cpu-pool.js';

/**
 * A CPU pool whose workers run the given implementation of the kernels (kernels/wasm/choice.ts):
 * worker threads take their environment from process.env when they start, which piscina does in
 * the pool's constructor, so TILERUN_CPU_IMPL is set around it and restored. Tests and benches
 * use this to hold a WASM pool and a plain-JS pool side by side in one process.
 */
export function openCpuPoolWith(impl: CpuImpl, options: CpuPoolOptions = {}): CpuPoolDevice {
  const previous = process.env.TILERUN_CPU_IMPL;
  process.env.TILERUN_CPU_IMPL = impl;
  try {
    return new CpuPoolDevice(options);
  } finally {
    if (previous === undefined) delete process.env.TILERUN_CPU_IMPL;
    else process.env.TILERUN_CPU_IMPL = previous;
  }
}
