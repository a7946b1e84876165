/** A small seeded generator (mulberry32): simulations must give the same numbers every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A multiplicative noise factor with median 1 and roughly `spread` relative deviation. */
export function noiseFactor(random: () => number, spread: number): number {
  if (spread <= 0) return 1;
  // Sum of uniforms approximates a normal deviate; exp keeps the factor positive.
  const normal = (random() + random() + random() + random() - 2) * Math.sqrt(3);
  return Math.exp(normal * spread);
}
