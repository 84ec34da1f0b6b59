/**
 * `Network` -> the tape's primitives: the forward pass of a training step (batch norm in training mode,
 * dropout masks as inputs) or of an evaluation graph (batch norm with running statistics), with every
 * network tensor as a graph input named as `parameterSpecs` names it, so one graph serves every step.
 */
import { MsatError } from '../../core/index.js';
import type { Layer, Network } from '../../model/index.js';
import { parameterSpecs, type ParameterSpec } from '../parameters.js';
import { add } from './ops/add.js';
import { avgPool, globalAvgPool } from './ops/avgpool.js';
import { batchNormInfer, batchNormTrain } from './ops/batchnorm.js';
import { concat } from './ops/concat.js';
import { conv } from './ops/conv.js';
import { dropout } from './ops/dropout.js';
import { embedding } from './ops/embedding.js';
import { linear } from './ops/linear.js';
import { maxPool } from './ops/maxpool.js';
import { relu } from './ops/relu.js';
import { reshape } from './ops/reshape.js';
import { transpose } from './ops/transpose.js';
import type { Tape, Var } from './tape.js';

/** Options of `lowerNetwork`. */
export interface LowerOptions {
  /** `'train'`: batch statistics, running-stat updates, dropout. `'eval'`: running statistics, no dropout. */
  readonly mode: 'train' | 'eval';
  /** Batch-norm running-statistics momentum (PyTorch's default 0.1). */
  readonly bnMomentum: number;
  /** Dropout probability applied to a layer's output, by output tensor name (train mode only). */
  readonly dropout: Readonly<Record<string, number>>;
}

/** A dropout mask the caller feeds each step: zeros and `1/(1-p)`, shaped like the tensor. */
export interface DropoutMaskSpec {
  readonly input: string;
  readonly tensor: string;
  readonly p: number;
  /** Per-sample shape (the batch is `'N'` in front). */
  readonly sampleDims: readonly number[];
}

export interface LoweredNetwork {
  /** The data input (network input 0). */
  readonly input: Var;
  /** The network's outputs, in `network.outputs` order. */
  readonly outputs: readonly Var[];
  /** Every network tensor; trainable ones have a `Var` in `params`. */
  readonly specs: readonly ParameterSpec[];
  /** Trainable parameters by name (each a graph input with the same name). */
  readonly params: ReadonlyMap<string, Var>;
  /** Train mode: updated running statistics by buffer name (tensor names to output). */
  readonly bufferUpdates: ReadonlyMap<string, string>;
  readonly masks: readonly DropoutMaskSpec[];
}

export function lowerNetwork(t: Tape, network: Network, options: LowerOptions): LoweredNetwork {
  if (network.inputs.length !== 1) {
    throw new MsatError('TRAIN_UNSUPPORTED', `${network.source}: training needs a network with one input, found ${network.inputs.length}`);
  }
  const spec = network.inputs[0];
  const input = t.input(spec.name, spec.type, spec.dims);
  const values = new Map<string, Var>([[spec.name, input]]);
  const specs = parameterSpecs(network);
  const params = new Map<string, Var>();
  const bufferUpdates = new Map<string, string>();
  const masks: DropoutMaskSpec[] = [];
  for (const p of specs) {
    if (p.trainable) params.set(p.name, t.input(p.name, 'float32', p.dims, true));
    else t.g.input(p.name, 'float32', p.dims);
  }
  const param = (layer: Layer, role: string): Var => params.get(`${layer.name}.${role}`)!;
  const optional = (layer: Layer, role: string): Var | undefined => params.get(`${layer.name}.${role}`);

  for (const layer of network.layers) {
    const xs = layer.inputs.map((name) => {
      const v = values.get(name);
      if (!v) throw new MsatError('TRAIN_GRAPH', `${network.source}: layer "${layer.name}" reads "${name}", which nothing defines before it`);
      return v;
    });
    const x = xs[0];
    let y: Var;
    switch (layer.kind) {
      case 'conv':
        y = conv(t, x, param(layer, 'weight'), optional(layer, 'bias'), layer);
        break;
      case 'linear':
        y = linear(t, x, param(layer, 'weight'), optional(layer, 'bias'));
        break;
      case 'batchnorm': {
        const [mean, variance] = [`${layer.name}.mean`, `${layer.name}.var`];
        if (options.mode === 'train') {
          const r = batchNormTrain(t, x, param(layer, 'scale'), param(layer, 'bias'), mean, variance, { epsilon: layer.epsilon, momentum: options.bnMomentum });
          bufferUpdates.set(mean, r.runningMean!);
          bufferUpdates.set(variance, r.runningVar!);
          y = r.y;
        } else {
          y = batchNormInfer(t, x, param(layer, 'scale'), param(layer, 'bias'), mean, variance, layer).y;
        }
        break;
      }
      case 'relu':
        y = relu(t, x);
        break;
      case 'maxpool':
        y = maxPool(t, x, layer);
        break;
      case 'avgpool':
        y = avgPool(t, x, layer);
        break;
      case 'globalavgpool':
        y = globalAvgPool(t, x);
        break;
      case 'flatten':
      case 'reshape':
      case 'squeeze':
      case 'unsqueeze':
        y = reshape(t, x, layer.outShape.slice(1) as number[]);
        break;
      case 'transpose':
        y = transpose(t, x, layer.perm);
        break;
      case 'add':
        y = add(t, x, layer.constant ? param(layer, 'constant') : xs[1]);
        break;
      case 'concat':
        y = concat(t, xs, layer.axis);
        break;
      case 'embedding':
        y = embedding(t, x, param(layer, 'weight'));
        break;
    }
    const p = options.dropout[layer.output];
    if (options.mode === 'train' && p !== undefined && p > 0) {
      const maskName = `dropout:${layer.output}`;
      const mask = t.input(maskName, 'float32', y.dims);
      masks.push({ input: maskName, tensor: layer.output, p, sampleDims: y.dims.slice(1) as number[] });
      y = dropout(t, y, mask);
    }
    values.set(layer.output, y);
  }
  const outputs = network.outputs.map((o) => values.get(o)!);
  return { input, outputs, specs, params, bufferUpdates, masks };
}
