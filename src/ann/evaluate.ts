/**
 * ANN inference on a dataset: the reference every SNN result is compared with.
 */
import { MsatError, type Tensor } from '../core/index.js';
import type { Dataset } from '../data/index.js';
import type { Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';
import { annSession } from './session.js';

/** Options of `evaluateAnn`; every field is optional. */
export interface EvaluateOptions {
  /** Samples per onnxruntime run. Default 100. */
  readonly batchSize?: number;
  /** Called after every batch with the samples done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_EVALUATE_OPTIONS = { batchSize: 100 } as const;

/**
 * What `evaluateAnn` measured. `predictions[i]` is the argmax class of the i-th sample in dataset order, or −1
 * when its outputs hold a NaN or an infinite value.
 */
export interface EvaluateResult {
  /** `correct / samples`: samples with non-finite outputs count as not correct. */
  readonly accuracy: number;
  readonly samples: number;
  readonly correct: number;
  /** Samples whose outputs hold a NaN or an infinite value (no prediction; included in `samples`, never in `correct`). */
  readonly nonFinite: number;
  readonly predictions: Int32Array;
  readonly seconds: number;
  readonly samplesPerSecond: number;
}

/**
 * Refuses a dataset whose labels the network cannot predict (a label ≥ its number of outputs, e.g. CIFAR-100
 * with a 10-class model, or a damaged label byte): every such sample would silently count as a wrong answer.
 * @throws MsatError `EVAL_INPUTS` naming the dataset, the label and the model's class count
 */
export function assertLabelsFit(network: Network, dataset: Dataset): void {
  const out = network.layers.find((l) => l.output === network.outputs[0])?.outShape;
  const classes = out ? Number(out[out.length - 1]) : NaN;
  if (!Number.isInteger(classes)) return;
  const labels = dataset.labels();
  const bad = labels.findIndex((l) => l < 0 || l >= classes);
  if (bad >= 0) {
    throw new MsatError(
      'EVAL_INPUTS',
      `${dataset.root}: sample ${bad} has label ${labels[bad]} (${dataset.classes.length} classes in the data), but ${network.source} has ${classes} outputs; ` +
        'use the dataset the model was trained for',
    );
  }
}

/**
 * Runs `network` over `dataset` in dataset order and counts top-1 hits.
 *
 * Outputs with a NaN or an infinite value are counted (`nonFinite`) rather than refused: onnxruntime hands them
 * back as numbers and torch.argmax picks a NaN as the largest, so a PyTorch evaluation loop would score them
 * silently; refusing would throw away the measurement of every other sample. They score as wrong (no class) and
 * the count is reported next to the accuracy.
 */
export async function evaluateAnn(network: Network, dataset: Dataset, runner: Runner, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const batchSize = options.batchSize ?? DEFAULT_EVALUATE_OPTIONS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new MsatError('EVAL_OPTIONS', `batch size must be a positive integer, got ${batchSize}`);
  }
  assertLabelsFit(network, dataset);
  const ann = await annSession(network, runner);
  const predictions = new Int32Array(dataset.length);
  let done = 0;
  let correct = 0;
  let nonFinite = 0;
  const started = performance.now();
  for await (const batch of dataset.batches(batchSize)) {
    const logits = await ann.forward(batch.x);
    const predicted = argmaxRows(logits);
    for (let i = 0; i < predicted.length; i++) {
      predictions[done + i] = predicted[i];
      if (predicted[i] < 0) nonFinite++;
      else if (predicted[i] === batch.labels[i]) correct++;
    }
    done += predicted.length;
    options.onProgress?.(done, dataset.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    accuracy: done === 0 ? 0 : correct / done,
    samples: done,
    correct,
    nonFinite,
    predictions,
    seconds,
    samplesPerSecond: seconds > 0 ? done / seconds : 0,
  };
}

/**
 * Index of the largest value of each row of a [B, K] tensor (first one on ties, as torch.argmax), or −1 for a row
 * holding a NaN or an infinite value: such a row has no meaningful largest value.
 */
export function argmaxRows(t: Tensor<'float32'>): Int32Array {
  if (t.dims.length !== 2) throw new MsatError('EVAL_OUTPUT', `expected [batch, classes] logits, got [${t.dims.join(', ')}]`);
  const [rows, cols] = t.dims;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = t.data[r * cols + c];
      if (!Number.isFinite(v)) {
        best = -1;
        break;
      }
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}
