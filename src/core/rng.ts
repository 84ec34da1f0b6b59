/**
 * msat's one seeded generator, shared by the simulator (Poisson noise, spike-confidence draws) and the trainer
 * (initialisation, shuffling, augmentation, dropout).
 */
import { MsatError } from './errors.js';

/**
 * A source of uniform floats in [0, 1).
 *
 * It is an injected object rather than `Math.random` so that every draw is reproducible from a seed and
 * no module holds hidden global state.
 */
export interface Rng {
  /** Next uniform float in [0, 1). */
  nextFloat(): number;
}

/**
 * mulberry32: a 32-bit-state PRNG (Tommy Ettinger's public-domain generator), chosen because it is a few lines
 * of integer arithmetic that any runtime reproduces bit for bit. Its period (2^32) and quality are ample for
 * Bernoulli masks, Poisson noise, shuffles, crops and initialisation; it is not for cryptography.
 *
 * The state is a single uint32 and is readable (`state`), so a run can be checkpointed and resumed exactly.
 */
export class Mulberry32 implements Rng {
  #state: number;

  /** @param seed any integer; it is reduced to uint32. */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new MsatError('INVALID_SEED', `RNG seed must be an integer, got ${seed}; pass e.g. 42.`);
    }
    this.#state = seed >>> 0;
  }

  /** Current uint32 state; `new Mulberry32(rng.state)` continues the same stream. */
  get state(): number {
    return this.#state;
  }

  /** Next uint32 of the stream. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Next float in [0, 1) with 32 random bits (`uint32 / 2^32`, so 1 is never returned). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n ≤ 2^32; the modulo bias is below 2^-20 for n < 4096). */
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

  /** An independent copy at the same position of the stream. */
  clone(): Mulberry32 {
    return new Mulberry32(this.#state);
  }
}

/** A fresh seeded generator (the default `Rng` of the reference code). */
export function createRng(seed: number): Mulberry32 {
  return new Mulberry32(seed);
}

/** Fill `out` with uniform draws from `rng`, in index order (so the stream position depends only on `out.length`). */
export function fillUniform(rng: Rng, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.nextFloat();
  return out;
}
