/**
 * The two graphs the trainer runs, both emitted once per run:
 *
 * - the training step: x, int64 labels, the fed scalars (`lr`, ...), dropout masks and every state tensor
 *   (parameters, batch-norm running statistics, optimizer slots) in; `loss`, `correct` and every state
 *   tensor's next value (`<name>:next`) out. Forward, loss, backward and optimizer update in one run.
 * - the evaluation graph: x, labels and the network tensors in; `logits`, `loss`, `correct` out, with
 *   batch norm in inference mode (what `exportOnnx` of the trained network computes).
 *
 * State tensors are named `<layer>.<role>` (parameters and buffers, as `parameterSpecs`) and
 * `<layer>.<role>:<slot>` (optimizer state), so a checkpoint is simply that map.
 */
import { MsatError } from '../core/index.js';
import type { Network } from '../model/index.js';
import type { OnnxModel } from '../onnx/index.js';
import { Tape, TRAIN_OPSET, lowerNetwork, softmaxCrossEntropy, type Var } from './autodiff/index.js';
import type { DropoutMaskSpec } from './autodiff/lower.js';
import type { Optimizer, WeightDecayExclusion } from './optim/index.js';
import type { ParameterSpec } from './parameters.js';

/** Options of `buildTrainStepGraph`; every field is optional except the optimizer. */
export interface StepGraphOptions {
  readonly optimizer: Optimizer;
  /** Label smoothing ε of the cross-entropy. Default 0. */
  readonly labelSmoothing?: number;
  /** Batch-norm running-statistics momentum. Default 0.1 (PyTorch). */
  readonly bnMomentum?: number;
  /** Dropout probability on a layer's output, by tensor name. Default none. */
  readonly dropout?: Readonly<Record<string, number>>;
  /** Default `'none'` (decay every parameter, PyTorch's behaviour with `model.parameters()`). */
  readonly weightDecayExclusion?: WeightDecayExclusion;
}

/** One state tensor of a training run. */
export interface StateTensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  /** `'param'` (trainable), `'buffer'` (running statistics) or `'slot'` (optimizer state, zero at the start). */
  readonly kind: 'param' | 'buffer' | 'slot';
}

export interface TrainStepGraph {
  readonly model: OnnxModel;
  /** Data input name (the network's input). */
  readonly input: string;
  readonly labels: 'labels';
  readonly loss: 'loss';
  readonly correct: 'correct';
  /** Every tensor carried from step to step; its next value is the output `<name>:next`. */
  readonly state: readonly StateTensorSpec[];
  /** Scalars fed each step, in the optimizer's order. */
  readonly scalars: readonly string[];
  readonly masks: readonly DropoutMaskSpec[];
  readonly parameters: readonly ParameterSpec[];
}

export interface EvalGraph {
  readonly model: OnnxModel;
  readonly input: string;
  readonly labels: 'labels';
  readonly logits: 'logits';
  readonly loss: 'loss';
  readonly correct: 'correct';
  readonly parameters: readonly ParameterSpec[];
}

/** PyTorch's batch-norm momentum: running = (1 − m) · running + m · batch. */
export const DEFAULT_BN_MOMENTUM = 0.1;

/** The output name carrying a state tensor's next value. */
export const nextName = (name: string): string => `${name}:next`;

function logitsOf(network: Network, outputs: readonly Var[]): Var {
  const logits = outputs[0];
  if (!logits || logits.dims.length !== 2) {
    throw new MsatError(
      'TRAIN_UNSUPPORTED',
      `${network.source}: training needs [N, classes] logits as the first output, found [${logits?.dims.join(', ') ?? ''}]`,
    );
  }
  return logits;
}

function excluded(spec: ParameterSpec, exclusion: WeightDecayExclusion): boolean {
  return exclusion === 'bias-and-norm' && (spec.role === 'bias' || spec.role === 'scale' || spec.role === 'constant');
}

/** The training-step graph of `network` (see the file comment). */
export function buildTrainStepGraph(network: Network, options: StepGraphOptions): TrainStepGraph {
  const opt = options.optimizer;
  const t = new Tape();
  const lowered = lowerNetwork(t, network, { mode: 'train', bnMomentum: options.bnMomentum ?? DEFAULT_BN_MOMENTUM, dropout: options.dropout ?? {} });
  const labels = t.input('labels', 'int64', ['N']);
  const { loss, correct } = softmaxCrossEntropy(t, logitsOf(network, lowered.outputs), labels, options.labelSmoothing ?? 0);

  const scalars: Record<string, string> = {};
  for (const s of opt.scalarNames) scalars[s] = t.g.input(s, 'float32', []);
  const state: StateTensorSpec[] = [];
  const outputs: [string, string][] = [];
  const wrt = [...lowered.params.values()];
  const grads = t.backward([[loss, t.f32(1)]], wrt);
  for (const spec of lowered.specs) {
    state.push({ name: spec.name, dims: spec.dims, kind: spec.trainable ? 'param' : 'buffer' });
    if (!spec.trainable) {
      outputs.push([spec.name, lowered.bufferUpdates.get(spec.name) ?? spec.name]);
      continue;
    }
    const slots: Record<string, string> = {};
    for (const slot of opt.stateSlots) {
      const name = `${spec.name}:${slot}`;
      slots[slot] = t.g.input(name, 'float32', spec.dims);
      state.push({ name, dims: spec.dims, kind: 'slot' });
    }
    const grad = grads.get(lowered.params.get(spec.name)!);
    if (grad === undefined) {
      // PyTorch skips a parameter whose .grad is None: no decay, no momentum change.
      outputs.push([spec.name, spec.name]);
      for (const slot of opt.stateSlots) outputs.push([`${spec.name}:${slot}`, slots[slot]]);
      continue;
    }
    const updated = opt.emit(t, { param: spec.name, grad, state: slots, scalars, decay: !excluded(spec, options.weightDecayExclusion ?? 'none') });
    outputs.push([spec.name, updated.param]);
    for (const slot of opt.stateSlots) outputs.push([`${spec.name}:${slot}`, updated.state[slot]]);
  }
  t.g.node('Identity', [loss.name], {}, { outputs: ['loss'] });
  t.g.node('Identity', [correct], {}, { outputs: ['correct'] });
  t.g.output('loss', 'float32', []);
  t.g.output('correct', 'int64', []);
  for (const [name, value] of outputs) {
    t.g.node('Identity', [value], {}, { outputs: [nextName(name)] });
    t.g.output(nextName(name), 'float32', state.find((s) => s.name === name)!.dims);
  }
  return {
    model: t.g.build(TRAIN_OPSET, { producerName: 'msat-train' }),
    input: lowered.input.name,
    labels: 'labels',
    loss: 'loss',
    correct: 'correct',
    state,
    scalars: opt.scalarNames,
    masks: lowered.masks,
    parameters: lowered.specs,
  };
}

/** The evaluation graph of `network` (batch norm with running statistics, no dropout). */
export function buildEvalGraph(network: Network): EvalGraph {
  const t = new Tape();
  const lowered = lowerNetwork(t, network, { mode: 'eval', bnMomentum: 0.1, dropout: {} });
  const labels = t.input('labels', 'int64', ['N']);
  const logits = logitsOf(network, lowered.outputs);
  const { loss, correct } = softmaxCrossEntropy(t, logits, labels, 0);
  t.g.node('Identity', [logits.name], {}, { outputs: ['logits'] });
  t.g.node('Identity', [loss.name], {}, { outputs: ['loss'] });
  t.g.node('Identity', [correct], {}, { outputs: ['correct'] });
  t.g.output('logits', 'float32', ['N', logits.dims[1]]);
  t.g.output('loss', 'float32', []);
  t.g.output('correct', 'int64', []);
  return {
    model: t.g.build(TRAIN_OPSET, { producerName: 'msat-eval' }),
    input: lowered.input.name,
    labels: 'labels',
    logits: 'logits',
    loss: 'loss',
    correct: 'correct',
    parameters: lowered.specs,
  };
}
