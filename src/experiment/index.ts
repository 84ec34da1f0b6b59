/** Public API of the `experiment` layer: the paper's set-ups as presets, run with provenance, resumable. */
export * from './results.js';
export { PRESETS, findPreset, presetConverters, trainingRuns, type Preset } from './presets.js';
export { runExperiment, presetModel, MODELS_DIR, type ExperimentOptions } from './run-experiment.js';
export { readResults, parseResults, validateResults, writeResults, RESULTS_FILE } from './read-results.js';
export { formatExperimentTable } from './format-table.js';
export { gitCommit, hashTree, machine, MSAT_VERSION } from './provenance.js';
export { singleRunResults, singleRunDescription, type SingleRunContext } from './single-run.js';
export { mergeShardResults, type ShardResults } from './merge-shards.js';
export { combineResults, type NamedResults } from './combine-results.js';
