/**
 * Pure conversion math over typed arrays (STYLE.md rule 9): calibration percentiles, batch-norm folding,
 * energy, SIN statistics and latency. No I/O and no onnxruntime.
 */
export * from './percentile.js';
export * from './fold-batch-norm.js';
export * from './energy.js';
export * from './sin.js';
export * from './latency.js';
