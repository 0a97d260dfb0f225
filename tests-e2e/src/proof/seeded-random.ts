/** A small seeded PRNG (mulberry32), so a failing proof run can be repeated with `IMGATE_PROOF_SEED`. */

/** A seeded source of random numbers. */
export interface SeededRandom {
  /** The seed, printed by every suite. */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** The seed from `IMGATE_PROOF_SEED`, else a fresh random one. */
export function proofSeed(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.IMGATE_PROOF_SEED);
  if (env.IMGATE_PROOF_SEED && Number.isInteger(fromEnv)) return fromEnv >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** Creates a mulberry32 generator. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
  };
}
