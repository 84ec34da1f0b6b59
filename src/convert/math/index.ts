/**
 * Pure conversion math over typed arrays (STYLE.md rule 9): calibration percentiles and batch-norm folding.
 * No I/O and no onnxruntime.
 */
export * from './percentile.js';
export * from './fold-batch-norm-weights.js';
