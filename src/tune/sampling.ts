/**
 * Seeded candidate points in the unit cube: a Latin hypercube for the initial population and Gaussian steps
 * around an incumbent for local refinement.
 *
 * A Latin hypercube (each coordinate's n values fall one into each of n equal strata, strata paired at random
 * across coordinates) covers every single coordinate evenly with few points, which is what matters when a
 * handful of the ~7–12 coordinates decide the objective. Halton points were the alternative; their
 * higher coordinates (primes 23…37) are strongly correlated for the first few dozen points, exactly the
 * budget here.
 */
import { Mulberry32 } from '../core/index.js';

/** `n` points of a `d`-dimensional Latin hypercube in [0, 1)^d, reproducible from `seed`. */
export function latinHypercube(n: number, d: number, seed: number): number[][] {
  const rng = new Mulberry32(seed);
  const points = Array.from({ length: n }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    const strata = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const k = rng.nextInt(i + 1);
      [strata[i], strata[k]] = [strata[k], strata[i]];
    }
    for (let i = 0; i < n; i++) points[i][j] = (strata[i] + rng.nextFloat()) / n;
  }
  return points;
}

/**
 * `n` points around `center`: each coordinate moves by a normal step of standard deviation `sigma`, reflected
 * at the faces of the cube so the points stay inside and near-boundary centres are not biased inwards.
 */
export function perturb(center: readonly number[], n: number, sigma: number, seed: number): number[][] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: n }, () => center.map((c) => reflect(c + sigma * rng.nextNormal())));
}

/** x folded into [0, 1] by reflection at 0 and 1 (then kept strictly below 1). */
export function reflect(x: number): number {
  let y = ((x % 2) + 2) % 2;
  if (y > 1) y = 2 - y;
  return Math.min(y, 1 - 1e-12);
}

/** A 32-bit seed for a named sub-stream of `seed`, so each phase's draws do not depend on how many came before. */
export function subSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
