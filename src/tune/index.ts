/**
 * Public API of the `tune` layer: `msat tune`'s search for neuron hyper-parameters, calibration percentile and
 * per-layer threshold scales that make a converted SNN reach the ANN's accuracy in few steps.
 */
export { tuneModel } from './tune-model.js';
export { resolveTuneOptions, planForBudget, DEFAULT_TUNE_OPTIONS } from './tune-options.js';
export type { ResolvedTuneOptions, TuneModelOptions, TuneResult } from './tune-options.js';
export {
  PERCENTILE_GRID,
  LAYER_SCALE_RANGE,
  createSearchSpace,
  decodeCandidate,
  encodeCandidate,
  defaultConfig,
  thetaLambdaConfig,
  fromUnit,
  toUnit,
  lambdaReference,
  lambdasOfConfig,
  namedCoordinates,
  scaleLambdas,
} from './search-space.js';
export type { Dimension, DimensionScale, SearchSpace, SearchSpaceSpec, TunedConfig } from './search-space.js';
export { latinHypercube, perturb, reflect, subSeed } from './sampling.js';
export { runSearch, rungSizes, plannedWork, validatePlan } from './successive-halving.js';
export type { Candidate, Evaluation, SearchHooks, SearchOutcome, SearchPlan } from './successive-halving.js';
export { DEFAULT_OBJECTIVE, OBJECTIVE_KINDS, addTallies, checkFinalists, scoreTallies, settlingStep, validateObjective } from './objectives.js';
export type { CheckedFinalist, Tallies, TrialScore, TuneObjective } from './objectives.js';
export { TrialLog, hashConfig, TRIAL_LOG_FORMAT, TRIAL_LOG_VERSION } from './trial-log.js';
export type { TrialRecord } from './trial-log.js';
export { heldOutPositions, loadTuningData, tuningDataOf } from './tuning-data.js';
export type { TuningArrays, TuningData, TuningDataOptions } from './tuning-data.js';
export { createTrialRunner } from './parallel-trials.js';
export type { TrialRunner } from './parallel-trials.js';
export { evaluateConfig, lambdaMap } from './evaluate-config.js';
export type { EvaluationContext } from './evaluate-config.js';
export { simulateReadout } from './readout-simulation.js';
export type { ReadoutSimulationSpec, ReadoutTallies } from './readout-simulation.js';
export { TUNE_REPORT_FORMAT, configToJson, createTunedSnnFile, curveOf } from './tune-report.js';
export type { ConfigJson, CurveJson, RungJson, TrialJson, TuneReport, TunedSnnOptions } from './tune-report.js';
export { EXIT_DECAYS, chooseExit, chooseExitOnHeldOut, chooseOnRecord, exitSplitOf } from './exit-choice.js';
export type { ExitChoice, ExitChoiceRun, ExitChoiceSnn, ExitTarget } from './exit-choice.js';
export { normalQuantile, pairedLowerBound } from './accuracy-bound.js';
