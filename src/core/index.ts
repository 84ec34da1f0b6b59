export * from './errors.js';
export * from './tensor.js';
export * from './rng.js';
export * from './write-atomic.js';
export * from './version.js';
export * from './output-paths.js';
export * from './schema.js';
export * from './file-hash.js';
