import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../src/browser/codec.js';

describe('browser codec', () => {
  it('round-trips what partials hold: bigints, typed arrays, NaN, infinities, -0', () => {
    const value = {
      exactSum: 123456789012345678901234567890n,
      none: null,
      counts: Uint32Array.from([0, 1, 4294967295]),
      moments: Float64Array.from([Number.NaN, Infinity, -Infinity, -0, 1e-310]),
      f32: Float32Array.from([Math.fround(0.1), Number.NaN]),
      nested: [{ min: -Infinity, max: Number.NaN, zero: -0 }],
    };
    const back = decodeValue<typeof value>(encodeValue(value));
    expect(back).toEqual(value);
    expect(back.counts).toBeInstanceOf(Uint32Array);
    expect(Object.is(back.nested[0]!.zero, -0)).toBe(true);
    expect(Object.is(back.moments[3], -0)).toBe(true);
    expect(back.exactSum).toBe(123456789012345678901234567890n);
  });

  it('refuses what it cannot carry rather than losing it', () => {
    expect(() => encodeValue(new Map([[1, 2]]))).toThrow(/Map/);
  });
});
