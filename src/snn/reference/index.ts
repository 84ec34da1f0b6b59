/**
 * The plain TypeScript reference of the spiking dynamics (docs/method.md §2–§3): scalar threshold formulas,
 * a neuron layer with explicit state, lateral-inhibition pooling and a single-layer simulator. Fused and
 * chunked onnxruntime paths are tested against these loops.
 */
export * from './rng.js';
export * from './threshold.js';
export * from './neuron-options.js';
export * from './neuron.js';
export * from './lipool.js';
export * from './simulate-layer.js';
