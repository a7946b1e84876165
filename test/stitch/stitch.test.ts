import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stitchPartials } from '../../src/stitch/stitch.js';

describe('stitchPartials', () => {
  it('merges in a fixed pairwise tree over tile order', () => {
    const order = stitchPartials(['a', 'b', 'c', 'd', 'e'], (x, y) => `(${x}${y})`);
    expect(order).toBe('(((ab)(cd))e)');
  });

  it('gives the same float sum however the partials arrived (the tree depends on tile order only)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }), (values) => {
        const first = stitchPartials(values, (a, b) => a + b);
        const copy = [...values];
        expect(stitchPartials(copy, (a, b) => a + b)).toBe(first);
      }),
    );
  });

  it('refuses a missing partial instead of stitching a wrong answer', () => {
    const partials: number[] = new Array(3);
    partials[0] = 1;
    partials[2] = 3;
    expect(() => stitchPartials(partials, (a, b) => a + b)).toThrow(/partial of tile 1 is missing/);
    expect(() => stitchPartials([], (a: number, b: number) => a + b)).toThrow(/nothing to stitch/);
  });
});
