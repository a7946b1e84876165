import { elementsOf } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { KernelParity, ParityVerdict } from '../parity.js';
import { defaultTileStatsParams, type TileStatsParams } from './params.js';
import type { ChannelStats, TileStatsPartial } from './partial.js';
import { F32_RELATIVE_TOLERANCE } from './webgpu.js';

/**
 * tile-stats parity: counts, min/max, NaN/Inf, below/above and histograms identical; integer sums
 * exact; f32 sums within F32_RELATIVE_TOLERANCE x sum|x| and M2 (so std) within the same factor
 * of the squared RMS deviation from the tile's first finite value. The verdict's error is the
 * worst ratio of a difference to what is allowed for it (allowed 1), Infinity for an exact field.
 */
export const parity: KernelParity<TileStatsParams, TileStatsPartial> = {
  paramSets: (view) => [
    defaultTileStatsParams(view.dtype),
    { bins: 3, range: view.dtype === 'f32' ? { lo: -1, hi: 1 } : { lo: 10, hi: 200 } },
    { bins: 0, range: null },
  ],

  compare(reference, actual, view) {
    const tiles = reference.tiles ?? [];
    const expectedPartials = reference.partials ?? [];
    const actualPartials = actual.partials ?? [];
    if (expectedPartials.length !== actualPartials.length) {
      return { error: Number.POSITIVE_INFINITY, allowed: 1, where: `${actualPartials.length} partials vs ${expectedPartials.length}` };
    }
    const data = elementsOf(view);
    const isInteger = DTYPE_INFO[view.dtype].isInteger;
    let worst: ParityVerdict = { error: 0, allowed: 1 };
    const note = (ratio: number, where: string): void => {
      if (ratio > worst.error) worst = { error: ratio, allowed: 1, where };
    };
    expectedPartials.forEach((expected, t) => {
      const got = actualPartials[t]!;
      const tile = tiles[t];
      expected.channels.forEach((e: ChannelStats, c) => {
        const a = got.channels[c];
        const where = `tile ${t} channel ${c}`;
        if (!a) return note(Number.POSITIVE_INFINITY, `${where} missing`);
        for (const field of ['elements', 'nanCount', 'posInfCount', 'negInfCount', 'finiteCount', 'below', 'above'] as const) {
          if (a[field] !== e[field]) note(Number.POSITIVE_INFINITY, `${where} ${field} ${a[field]} vs ${e[field]}`);
        }
        for (const field of ['finiteMin', 'finiteMax'] as const) {
          if (!Object.is(a[field], e[field]) && a[field] !== e[field]) note(Number.POSITIVE_INFINITY, `${where} ${field} ${a[field]} vs ${e[field]}`);
        }
        if (a.histogram.length !== e.histogram.length || a.histogram.some((count, i) => count !== e.histogram[i])) {
          note(Number.POSITIVE_INFINITY, `${where} histogram`);
        }
        if (isInteger) {
          if (a.exactSum !== e.exactSum || a.exactSumSq !== e.exactSumSq) note(Number.POSITIVE_INFINITY, `${where} exact sums ${a.exactSum}/${a.exactSumSq} vs ${e.exactSum}/${e.exactSumSq}`);
          return;
        }
        if (e.finiteCount === 0 || !tile) return;
        // What the tolerance is relative to: sum|x| and the RMS deviation from the first finite value.
        let sumAbs = 0;
        let first = Number.NaN;
        let sumSqDev = 0;
        for (let y = tile.y; y < tile.y + tile.height; y++) {
          for (let x = tile.x; x < tile.x + tile.width; x++) {
            const v = data[(y * view.width + x) * view.channels + c]!;
            if (!Number.isFinite(v)) continue;
            if (Number.isNaN(first)) first = v;
            sumAbs += Math.abs(v);
            sumSqDev += (v - first) ** 2;
          }
        }
        const n = e.finiteCount;
        const sumError = Math.abs(a.mean * n - e.mean * n);
        note(sumError / Math.max(F32_RELATIVE_TOLERANCE * sumAbs, Number.MIN_VALUE), `${where} sum ${a.mean * n} vs ${e.mean * n}`);
        const stdA = Math.sqrt(a.m2 / n);
        const stdE = Math.sqrt(e.m2 / n);
        const spread = Math.sqrt(sumSqDev / n);
        note(Math.abs(stdA - stdE) / Math.max(F32_RELATIVE_TOLERANCE * spread, Number.MIN_VALUE), `${where} std ${stdA} vs ${stdE}`);
      });
    });
    return worst;
  },
};
