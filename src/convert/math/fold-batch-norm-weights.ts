import { MsatError } from '../../core/index.js';

/** Inference-mode batch-norm parameters, one value per channel (ONNX `BatchNormalization` inputs). */
export interface BatchNormParams {
  /** γ (ONNX `scale`, PyTorch `weight`). */
  readonly scale: ArrayLike<number>;
  /** β (ONNX `B`, PyTorch `bias`). */
  readonly bias: ArrayLike<number>;
  /** Running mean. */
  readonly mean: ArrayLike<number>;
  /** Running variance. */
  readonly variance: ArrayLike<number>;
  /** ε; default `DEFAULT_BATCH_NORM_EPSILON` (1e-5, the ONNX and PyTorch default). */
  readonly epsilon?: number;
}

/** ONNX `BatchNormalization` and PyTorch `BatchNorm*d` default ε. */
export const DEFAULT_BATCH_NORM_EPSILON = 1e-5;

/** Options of `foldBatchNorm`. */
export interface FoldBatchNormOptions {
  /**
   * Axis of `weightDims` that indexes output channels: 0 for Conv `[out, in/g, k…]` and PyTorch Linear /
   * Gemm(transB=1) `[out, in]`; 1 for MatMul weights `[in, out]`. Default 0.
   */
  readonly outputAxis?: 0 | 1;
}

/** Default: output channels on axis 0 (Conv, Linear). */
export const DEFAULT_FOLD_BATCH_NORM_OPTIONS = Object.freeze({ outputAxis: 0 as 0 | 1 });

/** Folded weight and bias, in the same array type as the input weight. */
export interface FoldedLayer<A extends Float32Array | Float64Array> {
  readonly weight: A;
  /** One bias per output channel. */
  readonly bias: A;
}

/**
 * Folds an inference-mode batch-norm into the conv or linear layer before it (docs/method.md §1.1; exact in
 * inference mode because BN is then a per-channel affine map):
 *
 *   f_c = γ_c / √(var_c + ε);  w'[c, …] = w[c, …]·f_c;  b'_c = (b_c − mean_c)·f_c + β_c
 *
 * so that BN(conv(x; w, b)) = conv(x; w', b'). A missing conv bias (`null`) counts as 0. Arithmetic is
 * float64; the result is rounded once into the weight's own array type (Float32Array for ONNX weights).
 * Pure: the inputs are not modified.
 */
export function foldBatchNorm<A extends Float32Array | Float64Array>(
  weight: A,
  weightDims: readonly number[],
  bias: ArrayLike<number> | null,
  bn: BatchNormParams,
  options: FoldBatchNormOptions = {},
): FoldedLayer<A> {
  const axis = options.outputAxis ?? DEFAULT_FOLD_BATCH_NORM_OPTIONS.outputAxis;
  const epsilon = bn.epsilon ?? DEFAULT_BATCH_NORM_EPSILON;
  if (weightDims.length < 2 || axis >= weightDims.length) {
    throw new MsatError('CONVERT_BAD_SHAPE', `foldBatchNorm: weight dims [${weightDims.join(', ')}] need rank >= 2 with output axis ${axis}.`);
  }
  let total = 1;
  for (const d of weightDims) total *= d;
  if (total !== weight.length) {
    throw new MsatError('CONVERT_BAD_SHAPE', `foldBatchNorm: weight dims [${weightDims.join(', ')}] need ${total} values, got ${weight.length}.`);
  }
  const channels = weightDims[axis];
  const lengths: Array<[string, number]> = [
    ['scale', bn.scale.length],
    ['bias', bn.bias.length],
    ['mean', bn.mean.length],
    ['variance', bn.variance.length],
  ];
  if (bias !== null) lengths.push(['conv bias', bias.length]);
  for (const [name, len] of lengths) {
    if (len !== channels) {
      throw new MsatError(
        'CONVERT_BAD_SHAPE',
        `foldBatchNorm: batch-norm ${name} has ${len} values but the weight [${weightDims.join(', ')}] has ${channels} output channels on axis ${axis}.`,
      );
    }
  }
  const factor = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const denom = bn.variance[c] + epsilon;
    if (!(denom > 0)) {
      throw new MsatError('CONVERT_BAD_BATCH_NORM', `foldBatchNorm: channel ${c} has variance + epsilon = ${denom}; it must be > 0.`);
    }
    factor[c] = bn.scale[c] / Math.sqrt(denom);
  }
  // Elements between consecutive output-channel indices: product of the dims after the output axis.
  let inner = 1;
  for (let a = axis + 1; a < weightDims.length; a++) inner *= weightDims[a];
  const folded = weight.slice() as A;
  for (let i = 0; i < folded.length; i++) folded[i] = weight[i] * factor[Math.floor(i / inner) % channels];
  const foldedBias = weight.slice(0, channels) as A;
  for (let c = 0; c < channels; c++) foldedBias[c] = ((bias === null ? 0 : bias[c]) - bn.mean[c]) * factor[c] + bn.bias[c];
  return { weight: folded, bias: foldedBias };
}
