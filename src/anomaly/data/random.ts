// Seeded randomness for the data pipeline. Every random choice derives from a string key (seed, purpose, index), so one
// image or one shuffle never depends on how many others were drawn before it.

/** 32-bit FNV-1a hash of a string. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: a small, fast generator of uniform numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const keyedRng = (...parts: (string | number)[]) => rng(hashKey(parts.join('/')));

/** A permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, random: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Up to n items chosen by seed, kept in their original order (so subsets of a sorted list stay sorted). */
export function subset<T>(items: readonly T[], n: number | undefined, key: string): T[] {
  if (n === undefined || n >= items.length) return [...items];
  const chosen = [...permutation(items.length, keyedRng(key)).subarray(0, n)].sort((a, b) => a - b);
  return chosen.map((i) => items[i]);
}
