/**
 * msat as a library. The high-level path is three calls:
 *
 *   import { loadModel, convert } from 'msat';
 *   const model = await loadModel('mnist-cnn.onnx');
 *   const snn = await convert(model, { calibration: { data: 'mnist' }, neuron: { method: 'const' } });
 *   const report = await snn.simulate('mnist', { T: 32, every: 10 });   // accuracy per step, latency, SOP, energy
 *   await snn.export('mnist-cnn.snn.onnx', { format: 'onnx' });         // runs in any onnxruntime
 *   await snn.dispose();
 *
 * The layers below stay reachable through the named exports that follow (datasets, the simulator, the tuner,
 * the experiments); the CLI is a caller of this same surface.
 */
export { loadModel } from './api/load-model.js';
export {
  ConvertedSnn,
  convert,
  type CalibrationOptions,
  type ConvertOptions,
  type ExportOptions,
  type LoadOptions,
  type SaveOptions,
  type SimulateOptions,
} from './api/converted-snn.js';
export { MsatError, isMsatError, type MsatErrorCode } from './core/index.js';
export type { Tensor, DataType } from './core/index.js';

// data: folders in their standard formats, or arrays in memory
export {
  openDataset,
  arrayDataset,
  type ArrayDatasetOptions,
  type Dataset,
  type DatasetOptions,
  type DatasetSplit,
  type Batch,
} from './data/index.js';
export { getDataset, listDatasets, msatCacheDir, type DatasetStatus, type GetDatasetOptions, type InstalledDataset } from './data/index.js';

// the pieces of a conversion and its measurement
export type { ConfidenceSource, DataSource, ExitReport, ExitSweepReport, LoadedModel, SimulationReport } from './pipeline/index.js';
export {
  DEFAULT_NEURON_CONFIG,
  METHODS,
  VGG_HYPER_PARAMS,
  RESNET_HYPER_PARAMS,
  describeMethod,
  neuronDynamics,
  parseHyperParams,
  type Method,
  type MsatHyperParams,
  type NeuronConfig,
  type NeuronDynamics,
  type ResetMode,
  type ThresholdRule,
} from './snn/index.js';
// early exit: rules, and replaying them on a run's readout
export {
  parseExitRule,
  formatExitRule,
  replayExit,
  exitOracle,
  sweepExitRules,
  paretoFront,
  type ExitRule,
  type ExitOutcome,
  type ExitPoint,
  type ReadoutRecord,
} from './snn/index.js';
export type { Network, Layer } from './model/index.js';
export type { Calibration, ConversionPlan } from './convert/index.js';
export { snnOnnxModel, annOnnxModel, EXPORT_FORMATS, type ExportFormat, type SnnOnnxContract, type SnnOnnxState } from './export/index.js';
export { Runner, type RunnerOptions, availableExecutionProviders, listExecutionProviders, type ExecutionProviderInfo } from './runtime/index.js';

// the tuner and the paper's experiments
export { tuneModel, DEFAULT_TUNE_OPTIONS, type TuneModelOptions, type TuneResult } from './tune/index.js';
export { runExperiment, PRESETS, type ExperimentOptions, type Preset } from './experiment/index.js';
