/**
 * Mean softmax cross-entropy over the batch, with optional label smoothing ε (PyTorch's
 * `cross_entropy(z, y, label_smoothing=ε)`): the target distribution is q = (1 − ε)·onehot(y) + ε/K and
 * loss = −mean_n Σ_k q_k · log softmax(z)_k.
 *
 * Gradient, closed form: dz = (softmax(z) − q) · dloss / N. Computing it directly (instead of chaining the
 * rules of LogSoftmax, Mul and ReduceMean) is both shorter and more accurate.
 */
import { MsatError } from '../../../core/index.js';
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export interface CrossEntropyResult {
  /** Scalar loss. */
  readonly loss: Var;
  /** int64 scalar: how many rows have argmax(z) = label (first maximum on ties, as `torch.argmax`). */
  readonly correct: string;
}

/** `logits` [N, K] float, `labels` [N] int64. */
export function softmaxCrossEntropy(t: Tape, logits: Var, labels: Var, labelSmoothing = 0): CrossEntropyResult {
  if (logits.dims.length !== 2) throw new MsatError('TRAIN_SHAPE', `cross-entropy takes [N, classes] logits, got [${logits.dims.join(', ')}]`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new MsatError('TRAIN_OPTIONS', `label smoothing must be in [0, 1), got ${labelSmoothing}`);
  const classes = logits.dims[1] as number;
  const logp = t.node('LogSoftmax', [logits.name], { axis: attr.int(1) });
  const off = labelSmoothing / classes;
  const on = 1 - labelSmoothing + off;
  const q = t.node(
    'OneHot',
    [labels.name, t.i64([classes]), t.tensor('onehot_values', { type: 'float32', dims: [2], data: Float32Array.of(off, on) })],
    { axis: attr.int(-1) },
  );
  const perSample = t.node('ReduceSum', [t.node('Mul', [q, logp]), t.i64([1])], { keepdims: attr.int(0) });
  const loss = t.node('Neg', [t.node('ReduceMean', [perSample], { axes: attr.ints([0]), keepdims: attr.int(0) })]);
  const predicted = t.node('ArgMax', [logits.name], { axis: attr.int(1), keepdims: attr.int(0) });
  const hits = t.node('Cast', [t.node('Equal', [predicted, labels.name])], { to: attr.int(7) });
  const correct = t.node('ReduceSum', [hits, t.i64([0])], { keepdims: attr.int(0) });
  const lossVar = t.record('softmax-cross-entropy', [logits, labels], loss, [], (g, needs) => [
    needs[0] ? t.node('Mul', [t.node('Sub', [t.node('Exp', [logp]), q]), t.node('Div', [g, t.batchSizeOf(logits)])]) : undefined,
    undefined,
  ]);
  return { loss: lossVar, correct };
}
