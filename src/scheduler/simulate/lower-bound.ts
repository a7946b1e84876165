import type { VirtualDeviceSpec } from './virtual-device.js';

/**
 * How much longer than nominal a batch's compute takes on average: the noise's mean
 * (exp(spread^2 / 2) for its log-normal-like shape) and the outliers' share.
 */
export function meanSlowdown(spec: VirtualDeviceSpec): number {
  const noise = Math.exp((spec.noise ?? 0) ** 2 / 2);
  const outliers = 1 + (spec.outlierChance ?? 0) * ((spec.outlierFactor ?? 5) - 1);
  return noise * outliers;
}

/** Mean bytes/s a device can sustain at time t, ignoring per-batch latency (so the bound stays a bound). */
function rateAt(spec: VirtualDeviceSpec, t: number): number {
  if (spec.dieAt !== undefined && t >= spec.dieAt) return 0;
  const slow = spec.slowdown && t >= spec.slowdown.at ? spec.slowdown.factor : 1;
  const compute = (spec.computeBytesPerSecond * slow * (spec.shared ? 1 : spec.lanes)) / meanSlowdown(spec);
  if (spec.transferBytesPerSecond === undefined) return compute;
  // With two or more batches in flight, upload of one overlaps compute of another: the slower
  // stage limits; with one, they add up.
  return spec.lanes >= 2 ? Math.min(compute, spec.transferBytesPerSecond) : 1 / (1 / compute + 1 / spec.transferBytesPerSecond);
}

/** Bytes a device can do by time T. Rates change only at slowdown and death times: integrate piecewise. */
function capacity(spec: VirtualDeviceSpec, T: number): number {
  const breaks = [0, spec.slowdown?.at, spec.dieAt, T].filter((t): t is number => t !== undefined && t >= 0 && t <= T).sort((a, b) => a - b);
  let bytes = 0;
  for (let i = 0; i + 1 < breaks.length; i++) bytes += rateAt(spec, breaks[i]!) * (breaks[i + 1]! - breaks[i]!);
  return bytes;
}

/**
 * The fluid lower bound on the makespan: the earliest T at which the devices, each running at
 * its mean speed (noise and outliers included: no scheduler can avoid them) from time zero with no per-batch cost and perfectly divisible work, could have done
 * `bytes` between them (transfers included where they limit a device). No schedule can beat it.
 */
export function makespanLowerBound(devices: readonly VirtualDeviceSpec[], bytes: number): number {
  let hi = 1;
  while (devices.reduce((sum, spec) => sum + capacity(spec, hi), 0) < bytes) {
    hi *= 2;
    if (hi > 1e9) return Number.POSITIVE_INFINITY;
  }
  let lo = 0;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (devices.reduce((sum, spec) => sum + capacity(spec, mid), 0) >= bytes) hi = mid;
    else lo = mid;
  }
  return hi;
}
