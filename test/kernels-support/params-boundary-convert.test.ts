import { describe, expect, it } from 'vitest';
import { BOUNDARY_MODES, boundaryIndex } from '../../kernels/boundary.js';
import { boundaryIndex as gpujsBoundaryIndex } from '../../kernels/map-support/map-gpujs.js';
import { parseParams, type ParamSpec } from '../../kernels/params.js';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import { convertTo, roundHalfEven } from '../../src/array/convert.js';
import { writeBlock } from '../../src/array/output-block.js';

const specs: ParamSpec[] = [
  { name: 'size', type: 'integer', min: 3, max: 15, default: 3, description: '' },
  { name: 'sigma', type: 'number', min: 0, description: '' },
  { name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'a', description: '' },
  { name: 'flag', type: 'boolean', default: false, description: '' },
  { name: 'matrix', type: 'matrix', description: '' },
  { name: 'range', type: 'range', description: '' },
];

describe('parseParams', () => {
  it('starts from the defaults and parses each type', () => {
    expect(parseParams('k', specs, [])).toEqual({ size: 3, sigma: null, mode: 'a', flag: false, matrix: null, range: null });
    expect(parseParams('k', specs, ['size=5', 'sigma=1.5', 'mode=b', 'flag=true', 'matrix=1,2,1; 2 4 2;1,2,1', 'range=-1:2.5'])).toEqual({
      size: 5,
      sigma: 1.5,
      mode: 'b',
      flag: true,
      matrix: { rows: 3, cols: 3, values: [1, 2, 1, 2, 4, 2, 1, 2, 1] },
      range: { lo: -1, hi: 2.5 },
    });
  });

  it.each([
    [['size=2'], /parameter size must be an integer from 3 to 15, got '2'/],
    [['size=3.5'], /parameter size must be an integer/],
    [['sigma=-1'], /parameter sigma must be a number >= 0/],
    [['sigma=NaN'], /parameter sigma must be/],
    [['mode=c'], /parameter mode must be one of a, b, got 'c'/],
    [['flag=yes'], /parameter flag must be true or false/],
    [['matrix=1,2;3'], /parameter matrix must be rows separated by ';'/],
    [['matrix=1,x'], /parameter matrix must be rows/],
    [['range=3:1'], /parameter range must be lo:hi/],
    [['nope=1'], /kernel k has no parameter 'nope': accepted are size, sigma, mode, flag, matrix, range/],
    [['size'], /-p expects name=value, got 'size'/],
    [['size=3', 'size=5'], /parameter size given twice/],
  ])('%j is refused with what is accepted', (pairs, message) => {
    expect(() => parseParams('k', specs, pairs)).toThrow(message);
  });
});

describe('boundary modes', () => {
  it('follow the documented rules, also far outside the array', () => {
    const row = (mode: (typeof BOUNDARY_MODES)[number], n: number) => Array.from({ length: 3 * n + 4 }, (_, k) => boundaryIndex(k - n - 2, n, mode));
    expect(row('reflect', 3)).toEqual([1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1]);
    expect(row('nearest', 3)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2]);
    expect(row('periodic', 3)).toEqual([1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
    expect(row('constant', 3)).toEqual([-1, -1, -1, -1, -1, 0, 1, 2, -1, -1, -1, -1, -1]);
    expect(row('reflect', 1).every((i) => i === 0)).toBe(true);
  });

  it('the gpu.js copy of the rule agrees with it everywhere', () => {
    BOUNDARY_MODES.forEach((mode, code) => {
      for (let n = 1; n <= 5; n++) {
        for (let i = -20; i < 25; i++) expect(gpujsBoundaryIndex(i, n, code), `${mode} ${i} ${n}`).toBe(boundaryIndex(i, n, mode));
      }
    });
  });
});

describe('convertTo: the one rule every backend stores results with', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, 2, 3]);
  });
  it('clamps integers, maps NaN to 0 and infinities to the ends', () => {
    expect([-3, 254.5, 255.5, 300, Number.NaN, Infinity, -Infinity].map((x) => convertTo('u8', x))).toEqual([0, 254, 255, 255, 0, 255, 0]);
    expect([65534.5, 70000, -1].map((x) => convertTo('u16', x))).toEqual([65534, 65535, 0]);
  });
  it('rounds to f32 and keeps NaN and infinities for f32', () => {
    expect(convertTo('f32', 0.1)).toBe(Math.fround(0.1));
    expect(convertTo('f32', Number.NaN)).toBeNaN();
    expect(convertTo('f32', 1e39)).toBe(Infinity);
  });
});

describe('writeBlock stores GPU values with the same rule', () => {
  const tricky = [Number.NaN, -Infinity, Infinity, -1, -0.5, -0, 0, 0.5, 1.5, 2.5, 3.49999, 127.5, 128.5, 254.5, 255, 255.5, 256, 65534.5, 65535.5, 1e9, 3.4e38, 1.4e-45];
  it.each(['u8', 'u16', 'f32'] as const)('%s', (dtype) => {
    const out = allocateArray(dtype, 2, tricky.length, 1);
    const values = Float32Array.from([...tricky, ...tricky.map((x) => -x)]);
    writeBlock(out, { y: 0, x: 0, height: 2, width: tricky.length }, values);
    const expected = Array.from(values, (x) => convertTo(dtype, x));
    expect(Array.from(elementsOf(out))).toEqual(expected);
  });
});
