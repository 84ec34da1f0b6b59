/**
 * The random draws of a simulation, per sample: each sample draws its Poisson noise and spike-confidence
 * masks from its own stream, seeded by (seed, its position in the run), so that results do not depend on the
 * batch size, the micro-batch or the number of workers.
 */
import type { Tensor } from '../core/index.js';
import type { Rng } from './reference/index.js';

/**
 * Seed of the draws of the sample at `position` in a run: a murmur3 finalizer of (seed, position), so that
 * neighbouring positions get unrelated streams.
 */
export function sampleSeed(seed: number, position: number): number {
  let h = (seed ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Uniform draws for k steps of a group, laid out [k·B, ...sampleDims] (step-major), sample i's from `rngs[i]`
 * so that its draws do not depend on the other samples of its group; with `keep`, 1 with probability `keep`
 * and 0 otherwise (spike confidence masks).
 */
export function drawPerSample(rngs: readonly Rng[], k: number, sampleDims: readonly number[], keep?: number): Tensor<'float32'> {
  const B = rngs.length;
  const per = sampleDims.reduce((a, d) => a * d, 1);
  const data = new Float32Array(k * B * per);
  for (let i = 0; i < B; i++) {
    const rng = rngs[i];
    for (let j = 0; j < k; j++) {
      const at = (j * B + i) * per;
      if (keep === undefined) for (let e = 0; e < per; e++) data[at + e] = rng.nextFloat();
      else for (let e = 0; e < per; e++) data[at + e] = rng.nextFloat() < keep ? 1 : 0;
    }
  }
  return { type: 'float32', dims: [k * B, ...sampleDims], data };
}
