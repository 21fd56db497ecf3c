/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on
 * every run and machine, so synthetic test, picture and benchmark data is reproducible. Values
 * are in [0, 1). Not for anything secret.
 *
 * @example
 * ```ts
 * const random = prng(42)
 * const jitter = random() - 0.5
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A 32-bit FNV-1a hash of `s` (an unsigned whole number): a stable seed for {@link prng} derived
 * from a name, so each series or row gets its own reproducible sequence.
 */
export function hashString(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}
