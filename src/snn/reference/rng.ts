/** The reference simulator draws from msat's shared seeded generator (`core/rng.ts`). */
export { Mulberry32, createRng, fillUniform, type Rng } from '../../core/index.js';
