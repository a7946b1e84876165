import { builtinKernels } from '../../kernels/index.js';
import { acceptedValues } from '../../kernels/params.js';
import type { AnyKernel } from '../../kernels/types.js';
import { toJson } from '../io/json.js';

/** What `tilerun kernels --json` prints for one kernel. */
export function kernelDescription(kernel: AnyKernel): unknown {
  return {
    name: kernel.name,
    kind: kernel.kind,
    description: kernel.description,
    backends: ['cpu', ...(kernel.webgpu ? ['webgpu'] : []), ...(kernel.gpujs ? ['gpujs'] : [])],
    params: kernel.params.map((spec) => ({ ...spec, accepted: acceptedValues(spec) })),
    tolerance: kernel.tolerance,
  };
}

export function kernelsJson(kernels: readonly AnyKernel[] = builtinKernels()): string {
  return toJson(kernels.map(kernelDescription));
}

/** The human listing: each kernel, its backends and parameters with defaults and accepted values. */
export function formatKernels(kernels: readonly AnyKernel[] = builtinKernels()): string {
  const lines: string[] = [];
  for (const kernel of kernels) {
    const backends = ['cpu', ...(kernel.webgpu ? ['webgpu'] : []), ...(kernel.gpujs ? ['gpujs'] : [])];
    lines.push(`${kernel.name} (${kernel.kind}; ${backends.join(', ')})`);
    lines.push(`  ${kernel.description}`);
    for (const spec of kernel.params) {
      const fallback = spec.default === undefined || spec.default === null ? '' : ` [default ${String(spec.default)}]`;
      lines.push(`  -p ${spec.name}=...  ${spec.description}${fallback}; ${acceptedValues(spec)}`);
    }
    lines.push(`  tolerance: ${kernel.tolerance}`, '');
  }
  lines.push('Run one: tilerun run <kernel> <input> [-p name=value ...] [--out file]; a module of your own: tilerun run ./my-kernel.js <input>');
  return lines.join('\n');
}
