/**
 * What `tilerun bench` runs for each kernel: fixed parameters (the job a peer can do too), the
 * arguments a peer takes for that job, and the checksum that tells whether a peer did the same
 * work (the C reference and the numpy and dask scripts print one).
 */
import { getKernel } from '../../kernels/index.js';
import { parseParams } from '../../kernels/params.js';
import { weightsOf, type ConvolveParams } from '../../kernels/convolve/params.js';
import type { HistogramPartial } from '../../kernels/histogram/partial.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import type { AnyKernel } from '../../kernels/types.js';
import { elementsOf } from '../array/array-view.js';
import type { RunResult } from '../run.js';

/** The parameters each benchable kernel runs with (`tilerun kernels` describes them). */
export const BENCH_PARAMS: Readonly<Record<string, readonly string[]>> = {
  'tile-stats': [],
  histogram: [],
  convolve: ['preset=gaussian', 'size=3'],
  downsample: ['factor=2', 'reduce=mean'],
  map: ['op=affine', 'scale=0.5', 'offset=3'],
};

export const BENCH_KERNELS = Object.keys(BENCH_PARAMS);

export function benchKernel(name: string): { kernel: AnyKernel; params: Record<string, unknown>; label: string } {
  const kernel = getKernel(name);
  const args = BENCH_PARAMS[name]!;
  return { kernel, params: parseParams(kernel.name, kernel.params, args), label: args.length > 0 ? `${name} ${args.join(' ')}` : name };
}

/** A peer's arguments after the common ones, from the parameters the tiles ran with (a histogram's range already found). */
export function peerArgs(kernel: string, params: unknown): string[] {
  if (kernel === 'tile-stats' || kernel === 'histogram') {
    const p = params as { bins: number; range: { lo: number; hi: number } };
    return [String(p.bins), String(p.range.lo), String(p.range.hi)];
  }
  if (kernel === 'convolve') {
    const weights = weightsOf(params as ConvolveParams);
    return [String(weights.rows), weights.values.map((w) => w.toPrecision(9)).join(',')];
  }
  return [];
}

/** tilerun's figure for the checksum the peers print: the sum of the values, of the counts, or of every 997th output element. */
export function checksumOf(result: RunResult): number {
  if (result.kernel === 'tile-stats') {
    const channel = (result.whole as TileStatsPartial).channels[0]!;
    return channel.exactSum !== null ? Number(channel.exactSum) : channel.mean * channel.finiteCount;
  }
  if (result.kernel === 'histogram') {
    const channel = (result.whole as HistogramPartial).channels[0]!;
    return channel.counts.reduce((a, b) => a + b, 0) + channel.below + channel.above;
  }
  const out = elementsOf(result.output!);
  let sum = 0;
  for (let i = 0; i < out.length; i += 997) sum += out[i]!;
  return sum;
}

/** Whether a peer's checksum agrees with tilerun's (f32 sums are summed in other orders). */
export function checkAgainst(ours: number, theirs: number | undefined): string {
  if (theirs === undefined) return '-';
  return Math.abs(theirs - ours) <= 1e-5 * Math.abs(ours) + 1e-3 ? 'same' : `differs: ${theirs} vs tilerun ${ours}`;
}
