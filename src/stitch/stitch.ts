/** A reduction kernel's merges (kernels/types.ts). */
export interface Merging<P> {
  merge(a: P, b: P): P;
  mergeAll?(partials: readonly P[]): P | undefined;
}

/**
 * Merges per-tile partials into one, in a fixed pairwise tree over tile order: (0+1)+(2+3)...
 * The tree depends only on the tile count, so the answer does not depend on which device ran
 * which tile, and float rounding error grows with log(tiles), not with tiles.
 */
export function stitchPartials<P>(partials: readonly P[], merging: ((a: P, b: P) => P) | Merging<P>): P {
  if (partials.length === 0) throw new RangeError('nothing to stitch: no partials');
  for (let i = 0; i < partials.length; i++) {
    if (partials[i] === undefined) throw new RangeError(`partial of tile ${i} is missing`);
  }
  const { merge, mergeAll } = typeof merging === 'function' ? { merge: merging, mergeAll: undefined } : merging;
  // One partial is the answer as it is, as the tree leaves it.
  if (partials.length === 1) return partials[0]!;
  // A kernel whose merge is exact merges everything at once: the same answer, without the
  // tree's intermediate partials (255 histograms for 256 tiles).
  const all = mergeAll?.(partials);
  if (all !== undefined) return all;
  let level: P[] = [...partials];
  while (level.length > 1) {
    const next: P[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? merge(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}
