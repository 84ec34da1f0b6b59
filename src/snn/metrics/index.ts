/**
 * What the simulator measures, as pure functions: synaptic operations and energy, spikes of inactivated
 * neurons (SIN) and spike confidence, latency to a target accuracy (docs/method.md §4, §7).
 */
export * from './energy.js';
export * from './sin.js';
export * from './latency.js';
