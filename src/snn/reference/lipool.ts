import { MsatError } from '../../core/index.js';

/**
 * Window geometry of a lateral-inhibition max-pool, as in PyTorch's `MaxPool1d/2d` (ceil_mode = false,
 * dilation = 1). Each field is one number for every spatial axis, or one per axis ([k] for NCL, [kh, kw]
 * for NCHW).
 */
export interface LIPoolOptions {
  readonly kernelSize: number | readonly number[];
  /** Default: `kernelSize` (non-overlapping windows). */
  readonly stride?: number | readonly number[];
  /** Implicit padding on both sides of each axis; default 0. At most half the kernel (as in PyTorch). */
  readonly padding?: number | readonly number[];
}

/**
 * Everything `stepLIPool` needs, computed once from the input shape. The input is viewed as
 * `planes = N·C` planes of `inH × inW` (a 1-D NCL input is a plane of height 1).
 */
export interface LIPoolPlan {
  readonly inputDims: readonly number[];
  /** [N, C, outL] or [N, C, outH, outW]. */
  readonly outputDims: readonly number[];
  readonly planes: number;
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  /** Elements per window, kh·kw. */
  readonly windowSize: number;
  /**
   * `[outH·outW, windowSize]`: the in-plane input index (ih·inW + iw) of window element j of output o, or −1
   * where the element lies in the padding. Padding elements have no accumulator and never win the max.
   */
  readonly windowIndex: Int32Array;
  /** Length of the accumulator state: planes · outH·outW · windowSize. */
  readonly stateSize: number;
}

function invalid(message: string): MsatError {
  return new MsatError('SNN_INVALID_OPTIONS', message);
}

function perAxis(name: string, value: number | readonly number[], rank: number): number[] {
  const arr = typeof value === 'number' ? new Array<number>(rank).fill(value) : [...value];
  if (arr.length !== rank) {
    throw invalid(`LIPool ${name} has ${arr.length} entries but the input has ${rank} spatial axes; pass one number or ${rank}.`);
  }
  return arr;
}

/** Builds the window table for `inputDims` ([N, C, L] or [N, C, H, W]). Validates like PyTorch's MaxPool. */
export function planLIPool(inputDims: readonly number[], options: LIPoolOptions): LIPoolPlan {
  if (inputDims.length !== 3 && inputDims.length !== 4) {
    throw invalid(`LIPool input must be NCL or NCHW, got dims [${inputDims.join(', ')}].`);
  }
  if (!inputDims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw invalid(`LIPool input dims must be positive integers, got [${inputDims.join(', ')}].`);
  }
  const rank = inputDims.length - 2;
  const kernel = perAxis('kernelSize', options.kernelSize, rank);
  const stride = perAxis('stride', options.stride ?? kernel, rank);
  const padding = perAxis('padding', options.padding ?? 0, rank);
  for (let a = 0; a < rank; a++) {
    if (!Number.isInteger(kernel[a]) || kernel[a] < 1) throw invalid(`LIPool kernelSize must be integers >= 1, got [${kernel}].`);
    if (!Number.isInteger(stride[a]) || stride[a] < 1) throw invalid(`LIPool stride must be integers >= 1, got [${stride}].`);
    if (!Number.isInteger(padding[a]) || padding[a] < 0 || padding[a] > Math.floor(kernel[a] / 2)) {
      throw invalid(
        `LIPool padding must be integers in [0, floor(kernel/2)] so every window holds a real element, got padding [${padding}] for kernel [${kernel}].`,
      );
    }
  }
  // 1-D is a plane of height 1 with a 1-tall window.
  const [kh, kw] = rank === 1 ? [1, kernel[0]] : [kernel[0], kernel[1]];
  const [sh, sw] = rank === 1 ? [1, stride[0]] : [stride[0], stride[1]];
  const [ph, pw] = rank === 1 ? [0, padding[0]] : [padding[0], padding[1]];
  const inH = rank === 1 ? 1 : inputDims[2];
  const inW = inputDims[inputDims.length - 1];
  const outH = Math.floor((inH + 2 * ph - kh) / sh) + 1;
  const outW = Math.floor((inW + 2 * pw - kw) / sw) + 1;
  if (outH < 1 || outW < 1) {
    throw invalid(`LIPool kernel [${kernel}] with padding [${padding}] does not fit input dims [${inputDims.join(', ')}].`);
  }
  const windowSize = kh * kw;
  const windowIndex = new Int32Array(outH * outW * windowSize);
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const base = (oh * outW + ow) * windowSize;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const ih = oh * sh - ph + a;
          const iw = ow * sw - pw + b;
          const inside = ih >= 0 && ih < inH && iw >= 0 && iw < inW;
          windowIndex[base + a * kw + b] = inside ? ih * inW + iw : -1;
        }
      }
    }
  }
  const planes = inputDims[0] * inputDims[1];
  const outputDims = rank === 1 ? [inputDims[0], inputDims[1], outW] : [inputDims[0], inputDims[1], outH, outW];
  return {
    inputDims: [...inputDims],
    outputDims,
    planes,
    inH,
    inW,
    outH,
    outW,
    windowSize,
    windowIndex,
    stateSize: planes * outH * outW * windowSize,
  };
}

/**
 * One LIPool step (docs/method.md §3). For every window: S_j += x_j for each real element j; out = max_j S_j;
 * S_j −= out. Overlapping windows (e.g. 3×3 stride 2) keep separate accumulators for the same input
 * element, one per (window, element) pair, which is what makes Σ_k out(k) = max_j Σ_k x_j(k) hold for every
 * window. Padding elements have no accumulator (treated as absent, i.e. −∞), as in PyTorch's MaxPool.
 * (The authors' `SMaxPool` unfolds with zero padding, so there a padded 0 could win; their VGG pools have no
 * padding, so no published number depends on it.)
 *
 * `accOut` may be `accIn` (in place): each window reads and writes only its own slots.
 */
export function stepLIPool(plan: LIPoolPlan, x: ArrayLike<number>, accIn: Float64Array, accOut: Float64Array, out: Float64Array): void {
  const { planes, inH, inW, outH, outW, windowSize: k, windowIndex, stateSize } = plan;
  const planeIn = inH * inW;
  const planeOut = outH * outW;
  if (x.length !== planes * planeIn || accIn.length !== stateSize || accOut.length !== stateSize || out.length !== planes * planeOut) {
    throw new MsatError(
      'SNN_SHAPE_MISMATCH',
      `LIPool step for input [${plan.inputDims.join(', ')}]: expected x ${planes * planeIn}, state ${stateSize}, out ${planes * planeOut} elements; got ${x.length}, ${accIn.length}/${accOut.length}, ${out.length}.`,
    );
  }
  for (let p = 0; p < planes; p++) {
    const xBase = p * planeIn;
    for (let o = 0; o < planeOut; o++) {
      const accBase = (p * planeOut + o) * k;
      const idxBase = o * k;
      let max = -Infinity;
      for (let j = 0; j < k; j++) {
        const idx = windowIndex[idxBase + j];
        if (idx < 0) continue;
        const s = accIn[accBase + j] + x[xBase + idx];
        accOut[accBase + j] = s;
        if (s > max) max = s;
      }
      for (let j = 0; j < k; j++) {
        if (windowIndex[idxBase + j] >= 0) accOut[accBase + j] -= max;
      }
      out[p * planeOut + o] = max;
    }
  }
}

/**
 * Lateral-inhibition max-pool with its own accumulator state: `resetState()` per sample, `step(x)` per time
 * step. `step` returns the pool's own output buffer (overwritten by the next call).
 */
export class LIPool {
  readonly plan: LIPoolPlan;
  /** Accumulators, `[planes, outH·outW, windowSize]`. */
  readonly state: Float64Array;
  readonly output: Float64Array;

  constructor(inputDims: readonly number[], options: LIPoolOptions) {
    this.plan = planLIPool(inputDims, options);
    this.state = new Float64Array(this.plan.stateSize);
    this.output = new Float64Array(this.plan.planes * this.plan.outH * this.plan.outW);
  }

  /** All accumulators back to 0 (start of a sample, docs/method.md §1.6). */
  resetState(): void {
    this.state.fill(0);
  }

  step(x: ArrayLike<number>): Float64Array {
    stepLIPool(this.plan, x, this.state, this.state, this.output);
    return this.output;
  }
}
