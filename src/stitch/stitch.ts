/**
 * Merges per-tile partials into one, in a fixed pairwise tree over tile order: (0+1)+(2+3)...
 * The tree depends only on the tile count, so the answer does not depend on which device ran
 * which tile, and float rounding error grows with log(tiles), not with tiles.
 */
export function stitchPartials<P>(partials: readonly P[], merge: (a: P, b: P) => P): P {
  if (partials.length === 0) throw new RangeError('nothing to stitch: no partials');
  let level: P[] = [...partials];
  for (let i = 0; i < level.length; i++) {
    if (level[i] === undefined) throw new RangeError(`partial of tile ${i} is missing`);
  }
  while (level.length > 1) {
    const next: P[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? merge(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}
