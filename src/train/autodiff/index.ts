/**
 * Autodiff for training: the tape and its primitives (from the model layer, where each layer kind's `forward`
 * uses them) and `lowerNetwork`, a whole network's forward on a tape.
 */
export {
  Tape,
  TRAIN_OPSET,
  staticDims,
  sumToShape,
  type GradRule,
  type Var,
  conv,
  type ConvAttributes,
  linear,
  batchNormInfer,
  batchNormTrain,
  type BatchNormAttributes,
  type BatchNormResult,
  relu,
  maxPool,
  type MaxPoolAttributes,
  avgPool,
  globalAvgPool,
  windowCounts,
  type AvgPoolAttributes,
  add,
  reshape,
  transpose,
  concat,
  dropout,
  embedding,
  softmaxCrossEntropy,
  type CrossEntropyResult,
} from '../../model/index.js';
export { lowerNetwork, type LowerOptions, type LoweredNetwork } from './lower.js';
