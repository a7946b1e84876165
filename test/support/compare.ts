import { expect } from 'vitest';
import { F32_RELATIVE_TOLERANCE } from '../../kernels/tile-stats/webgpu.js';
import type { ChannelReport } from '../../kernels/tile-stats/report.js';
import type { ReferenceChannel } from './reference-tile-stats.js';

/** Same NaN-ness, or within `tolerance` absolute. */
function close(actual: number, expected: number, tolerance: number, what: string): void {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

/** Checks a report against the plain reference: integers exactly, floats within the documented tolerance. */
export function expectMatchesReference(actual: ChannelReport, expected: ReferenceChannel, isInteger: boolean, where: string): void {
  expect(actual.count, `${where} count`).toBe(expected.count);
  expect(actual.nanCount, `${where} nanCount`).toBe(expected.nanCount);
  expect(actual.posInfCount, `${where} posInf`).toBe(expected.posInfCount);
  expect(actual.negInfCount, `${where} negInf`).toBe(expected.negInfCount);
  expect(Object.is(actual.min, expected.min) || actual.min === expected.min, `${where} min ${actual.min} vs ${expected.min}`).toBe(true);
  expect(Object.is(actual.max, expected.max) || actual.max === expected.max, `${where} max ${actual.max} vs ${expected.max}`).toBe(true);
  expect(actual.histogram, `${where} histogram`).toEqual(expected.histogram);
  expect(actual.below, `${where} below`).toBe(expected.below);
  expect(actual.above, `${where} above`).toBe(expected.above);
  if (isInteger) {
    expect(actual.sum, `${where} sum`).toBe(expected.sum);
    expect(actual.sumSq, `${where} sumSq`).toBe(expected.sumSq);
    close(actual.mean, expected.mean, Math.abs(expected.mean) * 1e-12, `${where} mean`);
    close(actual.std, expected.std, expected.std * 1e-9 + 1e-9, `${where} std`);
  } else {
    const sum = expected.sum as number;
    const sumSq = expected.sumSq as number;
    close(actual.sum as number, sum, F32_RELATIVE_TOLERANCE * expected.sumAbs, `${where} sum`);
    close(actual.sumSq as number, sumSq, F32_RELATIVE_TOLERANCE * sumSq, `${where} sumSq`);
    const finite = expected.count - expected.posInfCount - expected.negInfCount;
    close(actual.mean, expected.mean, finite ? (F32_RELATIVE_TOLERANCE * expected.sumAbs) / finite : 0, `${where} mean`);
    close(actual.std, expected.std, F32_RELATIVE_TOLERANCE * expected.spread, `${where} std`);
  }
}
