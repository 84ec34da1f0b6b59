/**
 * The trainer's randomness: a tiny seeded PRNG whose whole state is one uint32, plus a way to derive
 * independent streams from a seed and a tag (`deriveSeed(seed, 'shuffle', epoch)`).
 *
 * Every random choice of a run (initialisation, the order of each epoch, augmentation, dropout masks) draws
 * from its own derived stream, so a run resumed at an epoch boundary re-creates exactly the streams the
 * uninterrupted run would have used, and adding a new random feature does not shift the others.
 */

import { Mulberry32 } from '../core/index.js';

/** The trainer's generator is msat's shared mulberry32 (`core/rng.ts`). */
export { Mulberry32 as TrainRng };
type TrainRng = Mulberry32;

/** splitmix32-style finalizer: a bijective scramble of a uint32. */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x21f0aaad) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x735a2d97) >>> 0;
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * A seed for the stream named by `tags` (strings and integers) under `seed`. Pure: the same arguments give
 * the same seed; different tags give unrelated streams.
 */
export function deriveSeed(seed: number, ...tags: readonly (string | number)[]): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  for (const tag of tags) {
    const text = typeof tag === 'number' ? `#${tag}` : tag;
    for (let i = 0; i < text.length; i++) h = mix32((h ^ text.charCodeAt(i)) + 0x9e3779b9);
    h = mix32(h + 0x85ebca6b);
  }
  return h;
}

/** A generator for the stream `deriveSeed(seed, ...tags)`. */
export function deriveRng(seed: number, ...tags: readonly (string | number)[]): TrainRng {
  return new Mulberry32(deriveSeed(seed, ...tags));
}

/** A uniformly random permutation of `0 .. n-1` (Fisher–Yates). */
export function shuffledIndices(n: number, rng: TrainRng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
