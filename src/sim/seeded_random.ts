// A small seeded pseudo-random generator (mulberry32), so traffic runs and tests repeat exactly.

/** Returns numbers in [0, 1) from a 32-bit seed; the same seed gives the same sequence. */
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

/** Helpers over one random source. */
export class Dice {
  constructor(readonly random: () => number) {}

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  /** An exponentially distributed value with the given mean (Poisson arrivals, holding times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.random()) * mean;
  }

  /** A string of `n` random digits. */
  digits(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += String(Math.floor(this.random() * 10));
    return out;
  }
}
