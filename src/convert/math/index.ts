/**
 * Pure conversion math over typed arrays (no I/O, no onnxruntime): calibration percentiles and batch-norm folding.
 * No I/O and no onnxruntime.
 */
export * from './percentile.js';
export * from './fold-batch-norm-weights.js';
