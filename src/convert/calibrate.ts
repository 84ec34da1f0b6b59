/**
 * Calibration (docs/method.md §1.2): run the ANN over the calibration samples and take, for every ReLU output,
 * λ_l = the p-th percentile of all its values. The ReLU outputs are read by exporting the network with them as
 * extra graph outputs, so the ANN that is measured is exactly the graph onnxruntime runs.
 */
import { MsatError, type Tensor } from '../core/index.js';
import type { Dataset } from '../data/index.js';
import { layerRole, networkToOnnxBytes, type Layer, type Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';
import { ActivationStats, type ActivationSummary } from './activation-stats.js';
import {
  DEAD_LAMBDA_FALLBACK,
  DEAD_LAMBDA_RELATIVE,
  resolveCalibrationOptions,
  type Calibration,
  type CalibrationOptions,
  type LayerCalibration,
} from './calibration-result.js';

/**
 * λ and diagnostics for every `relu` layer of `network`, from the samples of `dataset` (all of them, in
 * dataset order; the caller picks them, e.g. `openDataset(dir, { split: 'train', limit: 200, mean, std })` for
 * the authors' first 200 training images). Run it on the network the SNN will be built from (after
 * `foldBatchNorms`; folding keeps every ReLU tensor name and value).
 *
 * At p = 1 only running maxima are kept; at p < 1 every ReLU value of every sample is kept until the end
 * (4 bytes each), which is fine for the few hundred samples calibration uses.
 *
 * @throws MsatError `CONVERT_CALIBRATION` when the network has no ReLU, not exactly one input, an input the
 *   dataset's samples do not fit, or the dataset is empty; `CONVERT_NAN` on a NaN or infinite activation (naming
 *   the ReLU and the calibration sample).
 */
export async function calibrate(network: Network, dataset: Dataset, runner: Runner, options: CalibrationOptions = {}): Promise<Calibration> {
  const opts = resolveCalibrationOptions(options);
  return (await calibrateMany(network, dataset, runner, { ...options, percentiles: [opts.percentile] }))[0];
}

/** Options of `calibrateMany`: those of `calibrate`, with a list of percentiles instead of one. */
export interface CalibrateManyOptions extends Omit<CalibrationOptions, 'percentile'> {
  /** Percentiles p in (0, 1], at least one. */
  readonly percentiles: readonly number[];
}

/**
 * One `Calibration` per percentile of `options.percentiles` from a single run of the ANN over `dataset`:
 * element i equals `calibrate(network, dataset, runner, { ...options, percentile: percentiles[i] })`.
 * `msat tune` searches the percentile, so it calibrates once with every candidate p instead of re-running the
 * ANN per trial. Below p = 1 every ReLU value is kept until the end, as in `calibrate`.
 */
export async function calibrateMany(network: Network, dataset: Dataset, runner: Runner, options: CalibrateManyOptions): Promise<Calibration[]> {
  if (options.percentiles.length === 0) fail(`${network.source}: calibrateMany needs at least one percentile.`);
  const all = options.percentiles.map((p) => resolveCalibrationOptions({ ...options, percentile: p }));
  const opts = all[0];
  const smallest = Math.min(...options.percentiles);
  // The spiking layers (the ReLUs) are the ones whose λ the calibration measures.
  const relus = network.layers.filter((l) => layerRole(l) === 'spiking');
  if (relus.length === 0) fail(`${network.source}: the network has no ReLU layer, so there is nothing to calibrate or convert.`);
  if (network.inputs.length !== 1) {
    fail(
      `${network.source}: calibration feeds one dataset tensor, but the network has ${network.inputs.length} inputs (${network.inputs.map((s) => s.name).join(', ')}).`,
    );
  }
  const input = network.inputs[0];
  const expected = input.dims.slice(1);
  if (expected.length !== dataset.sampleShape.length || expected.some((d, i) => d !== dataset.sampleShape[i])) {
    fail(
      `${network.source}: input "${input.name}" takes samples of shape [${expected.join(', ')}], but the dataset at ${dataset.root} has [${dataset.sampleShape.join(', ')}].`,
    );
  }
  if (dataset.length === 0) fail(`${network.source}: the calibration dataset at ${dataset.root} has no samples.`);

  const tensors = [...new Set(relus.map((r) => r.output))];
  // Keyed by network identity: a folded and an unfolded network from the same file must not share a session.
  const key = runner.keyOf(network, `calibrate:${network.source}`);
  const session = await runner.session(key, () => networkToOnnxBytes(network, { extraOutputs: tensors }));

  const stats = new Map(
    relus.map((r) => [
      r.name,
      new ActivationStats({
        name: r.name,
        sampleDims: r.outShape.slice(1) as number[],
        p: smallest,
        method: opts.method,
        channelWise: opts.granularity.kind === 'channel',
      }),
    ]),
  );
  let samples = 0;
  try {
    for await (const batch of dataset.batches(opts.batchSize)) {
      const feed = input.type === 'int64' || input.type === 'int32' ? toIndices(batch.x, input.type, input.name, network.source) : batch.x;
      const out = await session.run({ [input.name]: feed }, tensors);
      for (const r of relus) stats.get(r.name)!.add(out[r.output].data as Float32Array);
      samples += batch.x.dims[0];
      opts.onProgress?.({ samples, total: dataset.length });
    }
  } finally {
    // The graph with every ReLU as an output serves calibration only; free it (weights included) now.
    await runner.release(key);
  }

  const many = relus.map((r) => stats.get(r.name)!.summarizeMany(options.percentiles));
  return all.map((o, k) =>
    toCalibration(
      relus,
      many.map((m) => m[k]),
      o.percentile,
      o.method,
      o.granularity,
      samples,
    ),
  );
}

/** The `Calibration` of one percentile from its per-relu summaries (dead layers and channels replaced). */
function toCalibration(
  relus: readonly Layer[],
  summaries: readonly ActivationSummary[],
  percentile: number,
  method: Calibration['method'],
  granularity: Calibration['granularity'],
  samples: number,
): Calibration {
  const floor = deadLambda(summaries);
  const layers = relus.map((r, i): LayerCalibration => {
    const { lambda, max, mean, positiveFraction } = summaries[i];
    const at = percentile === 1 ? 'max' : `percentile p = ${percentile}`;
    if (typeof lambda === 'number') {
      const base = { relu: r.name, tensor: r.output, max, mean, positiveFraction };
      if (lambda > 0) return { ...base, lambda: Math.fround(lambda) };
      const warning = `λ (${at}) is 0 on all ${samples} calibration samples (${max > 0 ? 'mostly inactive' : 'dead'} layer); using ${floor.toExponential(2)} instead.`;
      return { ...base, lambda: floor, warning };
    }
    let dead = 0;
    const perChannel = Float32Array.from(lambda, (v) => (v > 0 ? v : (dead++, floor)));
    const warning =
      dead === 0
        ? undefined
        : `${dead} of ${lambda.length} channels have λ (${at}) = 0 on all ${samples} calibration samples; using ${floor.toExponential(2)} for them.`;
    return { relu: r.name, tensor: r.output, lambda: perChannel, max, mean, positiveFraction, ...(warning ? { warning } : {}) };
  });
  return { percentile, method, granularity, samples, layers };
}

/** The λ a dead layer or channel gets: `DEAD_LAMBDA_RELATIVE` of the network's largest λ (see there). */
function deadLambda(summaries: readonly ActivationSummary[]): number {
  let largest = 0;
  for (const s of summaries) {
    if (typeof s.lambda === 'number') largest = Math.max(largest, s.lambda);
    else for (const v of s.lambda) largest = Math.max(largest, v);
  }
  // Rounded to float32 so the value written to snn.json and the one the simulator uses agree.
  return largest > 0 ? Math.fround(largest * DEAD_LAMBDA_RELATIVE) : DEAD_LAMBDA_FALLBACK;
}

/**
 * Token-index models (an embedding over the input) take integer indices; the data layer hands out float32
 * samples, whose values must then be whole numbers.
 */
function toIndices(x: Tensor<'float32'>, type: 'int64' | 'int32', name: string, source: string): Tensor {
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isInteger(x.data[i])) {
      fail(`${source}: input "${name}" takes ${type} indices, but sample value ${i} of a batch is ${x.data[i]}; do not normalize token data.`);
    }
  }
  return type === 'int32'
    ? { type, dims: x.dims, data: Int32Array.from(x.data) }
    : { type, dims: x.dims, data: BigInt64Array.from(x.data, (v) => BigInt(v)) };
}

function fail(message: string): never {
  throw new MsatError('CONVERT_CALIBRATION', message);
}
