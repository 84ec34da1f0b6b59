/** `batchnorm`: batch normalization over axis 1 (ONNX BatchNormalization; inference mode, but `forward` also trains it). */
import { attr } from '../../onnx/index.js';
import { readFloat, readInt, unsupportedAttribute } from '../attributes.js';
import { batchNormInfer, batchNormTrain } from '../autodiff/index.js';
import type { BatchNormLayer } from '../layer-types.js';
import { formatShape, requireRank, shapeError } from '../shape-utils.js';
import { constInput, dynamicInput, type OnnxMapper } from './from-onnx.js';
import { ownedTensors } from './shared.js';
import type { LayerKindSpec, TensorSlot } from './spec.js';

const tensors: TensorSlot<BatchNormLayer>[] = [
  { role: 'scale', field: 'scale' },
  { role: 'bias', field: 'bias' },
  { role: 'mean', field: 'mean', buffer: true },
  { role: 'var', field: 'variance', buffer: true },
];

const fromBatchNormalization: OnnxMapper<BatchNormLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  if (readInt(ctx, 'training_mode', 0) !== 0) throw unsupportedAttribute(ctx, 'training_mode', '1', 'training_mode = 0 (inference)');
  return {
    kind: 'batchnorm',
    name: ctx.node.name,
    inputs: [x],
    output: ctx.node.outputs[0],
    scale: constInput(ctx, env, 1, 'scale'),
    bias: constInput(ctx, env, 2, 'B'),
    mean: constInput(ctx, env, 3, 'input_mean'),
    variance: constInput(ctx, env, 4, 'input_var'),
    epsilon: readFloat(ctx, 'epsilon', 1e-5),
  };
};

export const batchnorm: LayerKindSpec<BatchNormLayer> = {
  inferShape(layer, [x]) {
    requireRank(layer, x, 2);
    const c = layer.scale.data.length;
    if (x[1] !== c || [layer.bias, layer.mean, layer.variance].some((t) => t.data.length !== c)) {
      throw shapeError(layer, `statistics of ${c} channels do not match input ${formatShape(x)}`);
    }
    return [...x];
  },
  emit(layer, { node, param, inputs: [x] }) {
    node('BatchNormalization', [x, param('scale', layer.scale), param('bias', layer.bias), param('mean', layer.mean), param('var', layer.variance)], {
      epsilon: attr.float(layer.epsilon),
    });
  },
  forward(layer, { tape, inputs: [x], mode, momentum, param, buffer, updateBuffer }) {
    const [gamma, beta, mean, variance] = [param('scale')!, param('bias')!, buffer('mean'), buffer('var')];
    if (mode === 'eval') return batchNormInfer(tape, x, gamma, beta, mean, variance, layer).y;
    const r = batchNormTrain(tape, x, gamma, beta, mean, variance, { epsilon: layer.epsilon, momentum });
    updateBuffer('mean', r.runningMean!);
    updateBuffer('var', r.runningVar!);
    return r.y;
  },
  parameters: ownedTensors(tensors),
  macs: () => 0,
  role: 'analog',
  tensors,
  fromOnnx: { BatchNormalization: fromBatchNormalization },
};
