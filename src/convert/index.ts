/**
 * Public API of the `convert` layer (docs/method.md §1): batch-norm folding, calibration of λ per ReLU, the
 * conversion plan with its coverage report, and the SNN file that records a conversion. Also re-exports the
 * pure conversion math (`./math`).
 */
export * from './math/index.js';
export { foldBatchNorms } from './fold-batch-norms.js';
export type { FoldBatchNormsResult, UnfoldedBatchNorm } from './fold-batch-norms.js';
export { DEAD_LAMBDA_FALLBACK, DEAD_LAMBDA_RELATIVE, DEFAULT_CALIBRATION_OPTIONS, resolveCalibrationOptions } from './calibration-result.js';
export type {
  Calibration,
  CalibrationGranularity,
  CalibrationOptions,
  CalibrationProgress,
  LayerCalibration,
  ResolvedCalibrationOptions,
} from './calibration-result.js';
export { ActivationStats } from './activation-stats.js';
export type { ActivationStatsSpec, ActivationSummary } from './activation-stats.js';
export { calibrate, calibrateMany } from './calibrate.js';
export type { CalibrateManyOptions } from './calibrate.js';
export { planConversion } from './plan.js';
export type { ConversionPlan, LayerConversion, PlannedLayer, SynapticLayerPlan } from './plan.js';
export { assertConvertible, describeConversion, formatCoverage, formatLambda } from './coverage.js';
export {
  SNN_FILE_FORMAT,
  SNN_FILE_VERSION,
  calibrationFromJson,
  calibrationToJson,
  checkSnnFileLayers,
  createSnnFile,
  gammaSchema,
  hyperParamsSchema,
  planToJson,
  readSnnFile,
  sha256File,
  shortestFloat32,
  validateSnnFile,
  writeSnnFile,
} from './snn-file.js';
export type {
  CalibrationJson,
  LayerCalibrationJson,
  PlanJson,
  PlannedLayerJson,
  SnnFile,
  SnnFileParts,
  SnnFileOptions,
  SnnFileProvenance,
} from './snn-file.js';
