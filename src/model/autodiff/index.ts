/**
 * The autodiff primitives: a short, closed list. Each file holds one op's forward emission and its gradient
 * rule; everything else (a linear layer on 3-D input, flatten, squeeze) is built from these. They live in the
 * model layer so that each layer kind's module can write its own differentiable forward (`LayerKindSpec.forward`).
 */
export { Tape, TRAIN_OPSET, staticDims, sumToShape, type GradRule, type Var } from './tape.js';
export { conv, type ConvAttributes } from './ops/conv.js';
export { linear } from './ops/linear.js';
export { batchNormInfer, batchNormTrain, type BatchNormAttributes, type BatchNormResult } from './ops/batchnorm.js';
export { relu } from './ops/relu.js';
export { maxPool, type MaxPoolAttributes } from './ops/maxpool.js';
export { avgPool, globalAvgPool, windowCounts, type AvgPoolAttributes } from './ops/avgpool.js';
export { add } from './ops/add.js';
export { reshape } from './ops/reshape.js';
export { transpose } from './ops/transpose.js';
export { concat } from './ops/concat.js';
export { dropout } from './ops/dropout.js';
export { embedding } from './ops/embedding.js';
export { softmaxCrossEntropy, type CrossEntropyResult } from './ops/softmax-cross-entropy.js';
