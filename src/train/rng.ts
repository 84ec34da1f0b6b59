/**
 * The trainer's randomness: a tiny seeded PRNG whose whole state is one uint32, plus a way to derive
 * independent streams from a seed and a tag (`deriveSeed(seed, 'shuffle', epoch)`).
 *
 * Every random choice of a run (initialisation, the order of each epoch, augmentation, dropout masks) draws
 * from its own derived stream, so a run resumed at an epoch boundary re-creates exactly the streams the
 * uninterrupted run would have used, and adding a new random feature does not shift the others.
 * The train layer keeps its own generator (rather than importing `snn/reference`) so layers stay independent.
 */
import { MsatError } from '../core/errors.js';

/**
 * mulberry32 (Tommy Ettinger, public domain): a few lines of 32-bit integer arithmetic, reproducible bit for
 * bit in any runtime. Period 2^32; ample for shuffles, crops and dropout masks, not for cryptography.
 */
export class TrainRng {
  #state: number;

  /** @param seed any integer; reduced to uint32. */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new MsatError('TRAIN_OPTIONS', `RNG seed must be an integer, got ${seed}`);
    this.#state = seed >>> 0;
  }

  /** The uint32 state; `new TrainRng(rng.state)` continues the same stream. */
  get state(): number {
    return this.#state;
  }

  /** Next uint32. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n ≤ 2^32; the modulo bias is below 2^-20 for n < 4096 and irrelevant here). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /**
   * Standard normal by Box–Muller, one value per two uniforms (the second is discarded, so the state stays a
   * single uint32 and checkpoints need nothing else).
   */
  nextNormal(): number {
    const u1 = 1 - this.nextFloat(); // (0, 1], so log is finite
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

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
  return new TrainRng(deriveSeed(seed, ...tags));
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
