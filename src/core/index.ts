export * from './errors.js';
export * from './tensor.js';
export * from './rng.js';
