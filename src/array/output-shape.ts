import type { AnyKernel, OutputShape } from '../../kernels/types.js';
import { UsageError } from '../errors.js';
import type { ArrayView } from './array-view.js';
import { DTYPE_INFO, isDType } from './dtype.js';

/** Checks a map kernel's declared output against the input it is given. */
export function checkOutputShape(kernel: AnyKernel, view: ArrayView, shape: OutputShape): void {
  const f = shape.factor;
  const problems: string[] = [];
  if (!isDType(shape.dtype)) problems.push(`dtype ${String(shape.dtype)} is not one of ${Object.keys(DTYPE_INFO).join(', ')}`);
  if (!Number.isSafeInteger(f) || f < 1) problems.push(`factor must be a positive integer, got ${f}`);
  else if (shape.height !== Math.ceil(view.height / f) || shape.width !== Math.ceil(view.width / f)) {
    problems.push(
      `output ${shape.height}x${shape.width} does not match the input ${view.height}x${view.width} at factor ${f} (expected ${Math.ceil(view.height / f)}x${Math.ceil(view.width / f)})`,
    );
  }
  if (!Number.isSafeInteger(shape.channels) || shape.channels !== view.channels) {
    problems.push(`output channels ${shape.channels} must equal the input's ${view.channels}`);
  }
  if (problems.length > 0) throw new UsageError(`kernel ${kernel.name} declares a wrong output size: ${problems.join('; ')}`);
}
