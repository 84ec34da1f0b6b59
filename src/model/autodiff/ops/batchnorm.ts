/**
 * Batch normalization over axis 1, in training mode (batch statistics, running-statistics update) and in
 * inference mode (running statistics), with PyTorch's semantics:
 *
 * - training: mean and biased variance over every axis but 1 (M = N·H·W values per channel) normalize the
 *   batch; the running statistics move by `momentum` (PyTorch's 0.1): r ← (1 − m)·r + m·s, where the
 *   variance statistic s is the *unbiased* batch variance (× M / (M − 1)), as `torch.nn.BatchNorm2d` does.
 * - inference: ONNX BatchNormalization with the running statistics.
 *
 * The batch statistics are computed with reductions rather than ONNX BatchNormalization's `training_mode`:
 * onnxruntime's kernel moves the running variance with the *biased* batch variance (checked: 0.9 + 0.1·37.25
 * where PyTorch gives 0.9 + 0.1·42.57), and it does not output the batch statistics the backward pass needs.
 * The closed-form rule:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ/σ · (dy − dβ/M − x̂ · dγ/M)
 * (sums over the M values of each channel). M comes from the run-time shape, so any batch size works.
 */
import { MsatError } from '../../../core/index.js';
import type { Dim } from '../../layer-types.js';
import { attr } from '../../../onnx/index.js';
import type { Tape, Var } from '../tape.js';

export interface BatchNormAttributes {
  readonly epsilon: number;
  /** Running-statistics momentum (training mode). PyTorch's default is 0.1. */
  readonly momentum: number;
}

/** The normalized output and, in training mode, the updated running statistics (tensor names). */
export interface BatchNormResult {
  readonly y: Var;
  readonly runningMean?: string;
  readonly runningVar?: string;
}

function channelAxes(x: Var): { axes: number[]; bshape: number[]; channels: number } {
  if (x.dims.length < 2) throw new MsatError('TRAIN_SHAPE', `batch norm needs an input of rank >= 2, got [${x.dims.join(', ')}]`);
  const channels = x.dims[1] as number;
  const axes = x.dims.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.dims.map((_, i) => (i === 1 ? channels : 1));
  return { axes, bshape, channels };
}

/**
 * A per-channel affine map `x·s + t` (s, t: [C]) as one onnxruntime BatchNormalization with mean 0, variance 1
 * and ε = 0: a single fused pass, where Mul + Add would read and write the whole tensor twice.
 */
function affine(t: Tape, x: string, scale: string, shift: string, channels: number): string {
  const zeros = t.tensor('bn_zeros', { type: 'float32', dims: [channels], data: new Float32Array(channels) });
  const ones = t.tensor('bn_ones', { type: 'float32', dims: [channels], data: new Float32Array(channels).fill(1) });
  return t.node('BatchNormalization', [x, scale, shift, zeros, ones], { epsilon: attr.float(0) });
}

/**
 * Training mode. `gamma`, `beta` are parameters `[C]`; `runningMean`, `runningVar` are tensor names `[C]`
 * (buffers: no gradient).
 *
 * Passes over the activation (what costs time here, these ops being memory-bound): forward = mean, the centred
 * x_c = x − μ, Σ x_c², and the normalization itself as one BatchNormalization with the batch statistics;
 * backward = Σ dy, Σ dy·x_c, and dx = (k·dy + b) + a·x_c with per-channel k = γ/σ, a = −k·Σ(dy·x_c)/(M·σ²),
 * b = −k·Σdy/M (the closed form above, rearranged so that x̂ is never materialized).
 */
export function batchNormTrain(
  t: Tape,
  x: Var,
  gamma: Var,
  beta: Var,
  runningMean: string,
  runningVar: string,
  a: BatchNormAttributes,
): BatchNormResult {
  const { axes, bshape, channels } = channelAxes(x);
  const keep = { axes: attr.ints(axes), keepdims: attr.int(1) };
  const flat = t.i64([channels]);
  const mean = t.node('ReduceMean', [x.name], keep);
  const centered = t.node('Sub', [x.name, mean]);
  // M = values per channel, from the run-time size.
  const count = t.node('Div', [t.node('Cast', [t.node('Size', [x.name])], { to: attr.int(1) }), t.f32(channels)]);
  const variance = t.node('Div', [t.node('ReduceSumSquare', [centered], keep), count]);
  const meanC = t.node('Reshape', [mean, flat]);
  const varC = t.node('Reshape', [variance, flat]);
  const y = t.node('BatchNormalization', [x.name, gamma.name, beta.name, meanC, varC], { epsilon: attr.float(a.epsilon) });

  // The running variance takes the unbiased estimate (× M / (M − 1)).
  const unbiased = t.node('Div', [count, t.node('Sub', [count, t.f32(1)])]);
  const m = a.momentum;
  const newMean = t.node('Add', [t.node('Mul', [runningMean, t.f32(1 - m)]), t.node('Mul', [meanC, t.f32(m)])]);
  const newVar = t.node('Add', [t.node('Mul', [runningVar, t.f32(1 - m)]), t.node('Mul', [t.node('Mul', [varC, unbiased]), t.f32(m)])]);

  const dims: Dim[] = [...x.dims];
  const out = t.record('batchnorm', [x, gamma, beta], y, dims, (g, needs) => {
    const invStd = t.node('Reciprocal', [t.node('Sqrt', [t.node('Add', [varC, t.f32(a.epsilon)])])]); // [C]
    const sumAxes = t.i64(axes);
    const sumG = t.node('ReduceSum', [g, sumAxes], { keepdims: attr.int(0) }); // [C]
    const sumGX = t.node('ReduceSum', [t.node('Mul', [g, centered]), sumAxes], { keepdims: attr.int(0) }); // [C] Σ dy·x_c
    let dx: string | undefined;
    if (needs[0]) {
      const k = t.node('Mul', [gamma.name, invStd]);
      const kOverM = t.node('Div', [k, count]);
      const scaleXc = t.node('Neg', [t.node('Mul', [t.node('Mul', [kOverM, t.node('Mul', [invStd, invStd])]), sumGX])]);
      const shift = t.node('Neg', [t.node('Mul', [kOverM, sumG])]);
      dx = t.node('Add', [affine(t, g, k, shift, channels), t.node('Mul', [centered, t.node('Reshape', [scaleXc, t.i64(bshape)])])]);
    }
    return [dx, needs[1] ? t.node('Mul', [sumGX, invStd]) : undefined, needs[2] ? sumG : undefined];
  });
  return { y: out, runningMean: newMean, runningVar: newVar };
}

/** Inference mode: `y = γ·(x − μ)/√(σ² + ε) + β` with the running statistics (no update). */
export function batchNormInfer(
  t: Tape,
  x: Var,
  gamma: Var,
  beta: Var,
  runningMean: string,
  runningVar: string,
  a: Pick<BatchNormAttributes, 'epsilon'>,
): BatchNormResult {
  const { axes, bshape } = channelAxes(x);
  const y = t.node('BatchNormalization', [x.name, gamma.name, beta.name, runningMean, runningVar], { epsilon: attr.float(a.epsilon) });
  const out = t.record('batchnorm-infer', [x, gamma, beta], y, x.dims, (g, needs) => {
    const invStd = t.node('Reshape', [t.node('Reciprocal', [t.node('Sqrt', [t.node('Add', [runningVar, t.f32(a.epsilon)])])]), t.i64(bshape)]);
    const sumAxes = t.i64(axes);
    const gammaB = t.node('Reshape', [gamma.name, t.i64(bshape)]);
    const xHat = t.node('Mul', [t.node('Sub', [x.name, t.node('Reshape', [runningMean, t.i64(bshape)])]), invStd]);
    return [
      needs[0] ? t.node('Mul', [g, t.node('Mul', [gammaB, invStd])]) : undefined,
      needs[1] ? t.node('ReduceSum', [t.node('Mul', [g, xHat]), sumAxes], { keepdims: attr.int(0) }) : undefined,
      needs[2] ? t.node('ReduceSum', [g, sumAxes], { keepdims: attr.int(0) }) : undefined,
    ];
  });
  return { y: out };
}
