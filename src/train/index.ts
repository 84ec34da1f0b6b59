/**
 * Public API of the `train` layer: reverse-mode autodiff that writes ONNX training-step graphs, optimizers
 * and learning-rate schedules, seeded initialisation and augmentation, the architectures msat trains, and the
 * training loop with checkpoints.
 */
export * from './autodiff/index.js';
export type { DropoutMaskSpec } from './autodiff/lower.js';
export { parameterSpecs, readParameters, withParameters, type ParameterRole, type ParameterSpec } from './parameters.js';
export { TrainRng, deriveRng, deriveSeed, shuffledIndices } from './rng.js';
export * from './optim/index.js';
export { NetworkBuilder, type ConvOptions, type PoolOptions } from './network-builder.js';
export {
  DEFAULT_BN_MOMENTUM,
  buildEvalGraph,
  buildTrainStepGraph,
  nextName,
  type EvalGraph,
  type StateTensorSpec,
  type StepGraphOptions,
  type TrainStepGraph,
} from './step-graph.js';
export { EvalRunner, StepRunner, drawDropoutMasks, initialState, type StepResult, type TrainBatch } from './step-runner.js';
export { SWA_PREFIX, foldIntoAverage, recomputeBatchNorm } from './swa.js';
export { DEFAULT_INIT_SCHEME, fans, initializeNetwork, type InitScheme } from './init.js';
export { augmentBatch, DEFAULT_AUGMENT_OPTIONS, type AugmentOptions } from './augment.js';
export {
  ARCHITECTURES,
  buildArchitecture,
  isArchitectureName,
  type Architecture,
  type ArchitectureName,
  type ArchitectureOptions,
} from './architectures.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointHeader,
  type CheckpointTensorEntry,
} from './checkpoint.js';
export { train } from './trainer.js';
export {
  DEFAULT_TRAIN_OPTIONS,
  defaultNormalization,
  resolveTrainConfig,
  type EpochRecord,
  type TrainConfig,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
} from './train-options.js';
