/**
 * `Network` -> the tape's primitives: the forward pass of a training step (batch norm in training mode,
 * dropout masks as inputs) or of an evaluation graph (batch norm with running statistics), with every
 * network tensor as a graph input named as `parameterSpecs` names it, so one graph serves every step. Each
 * layer is its kind's `forward` (model/layers/<kind>.ts); dropout after any layer is added here.
 */
import { MsatError } from '../../core/index.js';
import { dropout, layerKindSpec, type Network, type Tape, type TensorRole, type Var } from '../../model/index.js';
import { parameterSpecs, type ParameterSpec } from '../parameters.js';

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

  for (const layer of network.layers) {
    const inputs = layer.inputs.map((name) => {
      const v = values.get(name);
      if (!v) throw new MsatError('TRAIN_GRAPH', `${network.source}: layer "${layer.name}" reads "${name}", which nothing defines before it`);
      return v;
    });
    const tensor = (role: TensorRole): string => `${layer.name}.${role}`;
    let y = layerKindSpec(layer.kind).forward(layer, {
      tape: t,
      inputs,
      mode: options.mode,
      momentum: options.bnMomentum,
      param: (role) => params.get(tensor(role)),
      buffer: tensor,
      updateBuffer: (role, updated) => bufferUpdates.set(tensor(role), updated),
    });
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
