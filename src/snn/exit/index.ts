/** Early exit: rules on the accumulated readout, the record of a run's readout, and offline sweeps. */
export * from './exit-rule.js';
export * from './exit-statistics.js';
export * from './exit-sweep.js';
export * from './settled-policy.js';
export { recordWithDecay, type ReadoutRecord } from './readout-record.js';
