export * from './errors.js';
export * from './tensor.js';
