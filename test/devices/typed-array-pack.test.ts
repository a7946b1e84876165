import { describe, expect, it } from 'vitest';
import { packTypedArrays, unpackTypedArrays } from '../../src/devices/typed-array-pack.js';

/** What a message does to the packed value: clones it, moving the buffer. */
function sendAcross<T>(value: T, transfer: ArrayBuffer[]): T {
  return structuredClone(value, { transfer });
}

describe('packTypedArrays', () => {
  it('moves every typed array of a batch in one buffer and restores equal arrays of the same types', () => {
    const results = [
      { channels: [{ histogram: new Float64Array([1, 2, 3]), exactSum: 12n, min: Number.NaN }] },
      { channels: [{ histogram: new Float64Array([4.5, -0, Infinity]), exactSum: null, min: -1 }] },
      { odd: new Uint8Array([1, 2, 3, 4, 5]), sums: new BigInt64Array([-3n, 2n ** 62n]), half: new Float32Array([0.5]) },
      null,
      7,
    ];
    const packed = packTypedArrays(results);
    expect(packed.buffer).not.toBeNull();
    expect(packed.slots.map(([name]) => name)).toEqual(['Float64Array', 'Float64Array', 'Uint8Array', 'BigInt64Array', 'Float32Array']);
    // Every array starts at a multiple of 8, so any element type can view it.
    for (const [, offset] of packed.slots) expect(offset % 8).toBe(0);
    const received = sendAcross(packed, [packed.buffer!]);
    expect(packed.buffer!.byteLength).toBe(0); // moved, not copied
    const restored = unpackTypedArrays(received) as typeof results;
    expect(restored).toEqual(results);
    const first = restored[0] as { channels: { histogram: Float64Array }[] };
    expect(first.channels[0]!.histogram).toBeInstanceOf(Float64Array);
    expect(Object.is((restored[1] as { channels: { histogram: Float64Array }[] }).channels[0]!.histogram[1], -0)).toBe(true);
  });

  it('leaves values without typed arrays, shared-memory arrays and non-plain objects as they are', () => {
    const shared = new Float64Array(new SharedArrayBuffer(16));
    const map = new Map([['h', new Float64Array([1])]]);
    const plain = [{ a: 1, b: 'x' }, [2, 3]];
    expect(packTypedArrays(plain)).toEqual({ value: plain, buffer: null, slots: [] });
    const packed = packTypedArrays({ shared, map });
    expect(packed.buffer).toBeNull();
    expect((packed.value as { shared: Float64Array }).shared).toBe(shared);
  });

  it('does not take a partial that holds the marker key among other fields for a slot', () => {
    const value = { __tilerunPackedSlot: 0, other: new Float64Array([9]) };
    const packed = packTypedArrays(value);
    const restored = unpackTypedArrays(sendAcross(packed, [packed.buffer!])) as typeof value;
    expect(restored.__tilerunPackedSlot).toBe(0);
    expect(Array.from(restored.other)).toEqual([9]);
  });
});
