import type { ArrayView } from '../src/array/array-view.js';

/**
 * How the parity suite (test/parity) checks a kernel: which parameter sets to try on an input,
 * and how far a backend's result may stray from the CPU reference. Each kernel folder exports
 * one as `parity` from its `parity.ts`; the tolerance it states is the one documented for users.
 */
export interface ParityVerdict {
  /** The worst difference found, in the units the kernel states (0 when identical). */
  readonly error: number;
  /** The largest difference allowed (0 for results that must be bit-identical). */
  readonly allowed: number;
  /** Where the worst difference is, for the failure message. */
  readonly where?: string;
}

/** What one run produced: a reduction's per-tile partials and whole, or a map's output. */
export interface ParityResult<Partial> {
  readonly partials?: readonly Partial[];
  readonly whole?: Partial;
  readonly output?: ArrayView;
}

export interface KernelParity<Params, Partial = unknown> {
  /** Parameter sets worth checking on this input (each runs on every backend). */
  paramSets(view: ArrayView): Params[];
  compare(reference: ParityResult<Partial>, actual: ParityResult<Partial>, view: ArrayView, params: Params): ParityVerdict;
}
