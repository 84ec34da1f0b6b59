/**
 * The whole measurement of docs/method.md in one call: convert a model, simulate it for T steps on a dataset, and
 * report accuracy per step, latency to the ANN's accuracy, firing rates, SIN, synaptic operations and energy.
 */
import { assertLabelsFit } from '../ann/index.js';
import { MsatError } from '../core/index.js';
import { openDataset, shardDataset, stridedDataset, type Dataset, type Shard, type ShardRange } from '../data/index.js';
import type { Runner } from '../runtime/index.js';
import {
  DEFAULT_NEURON_CONFIG,
  formatExitRule,
  neuronDynamics,
  simulate,
  spikeConfidence,
  synapticFeeds,
  type ExitRule,
  type InputEncoding,
  type NeuronConfig,
  type SimulationResult,
} from '../snn/index.js';
import {
  convertModel,
  openCalibrationSet,
  DEFAULT_CALIBRATION_SAMPLES,
  type ConvertedModel,
  type DataSource,
  type ThresholdSource,
} from './convert-model.js';
import { reportOfResult, type ReportContext, type SimulatedSplit, type SimulationReport } from './simulation-report.js';
import { shardTallies } from './shard-tallies.js';

export * from './simulation-report.js';
export { mergeShardReports, type ShardReport } from './shard-tallies.js';

/** Spike confidence (docs/method.md §4): off, measured from SIN statistics, or given per spiking layer. */
export type ConfidenceSource =
  { readonly kind: 'off' } | { readonly kind: 'measure' } | { readonly kind: 'given'; readonly values: readonly number[] };

/** The split of `dataset` as a report records it; a validation split is refused (see `SimulatedSplit`). */
function simulatedSplit(dataset: Dataset): SimulatedSplit {
  if (dataset.split === 'validation') {
    throw new MsatError(
      'DATA_OPTIONS',
      `${dataset.root}: this is the validation split of a ${dataset.format} dataset; a simulation reports a train or test split ` +
        '(measure the validation split with msat eval)',
    );
  }
  return dataset.split;
}

/** Options of `simulateConverted`; `data`, `steps` and `runner` are required. */
export interface SimulateConvertedOptions {
  /** Evaluation data: a dataset folder (read with the model's normalisation) or a `Dataset`. */
  readonly data: DataSource;
  /** Split of a folder. Default `'test'`. */
  readonly split?: SimulatedSplit;
  readonly limit?: number;
  /** Every k-th sample of the dataset order (before `limit`). */
  readonly every?: number;
  /**
   * Simulate only this slice of the selected samples (after `every` and `limit`; `shardDataset`); the report
   * then carries the shard's tallies (`SimulationReport.shard`), and `mergeShardReports` joins the shards.
   */
  readonly shard?: Shard;
  readonly steps: number;
  readonly neuron?: Partial<NeuronConfig>;
  readonly encoding?: InputEncoding;
  readonly seed?: number;
  readonly confidence?: ConfidenceSource;
  readonly chunk?: number;
  readonly batchSize?: number;
  /** Neurons per spiking layer whose membrane and threshold are traced on the first sample. Default 0. */
  readonly traceNeurons?: number;
  /** Early exit: each sample stops when this rule fires (`SimulationOptions.exit`). Default: none, every sample runs T steps. */
  readonly exit?: ExitRule;
  /**
   * Without an exit rule: record every sample's readout and sweep exit rules offline (`SimulationReport.exitSweep`).
   * Default true, for runs of at most 2^25 sample-steps (10 bytes per sample and step while the run lasts: 335 MB).
   */
  readonly sweepExit?: boolean;
  /**
   * Worker threads for the simulations, each with single-threaded onnxruntime sessions (`SimulationOptions.workers`);
   * calibration and the runner's other sessions keep the runner's threads. Default 1.
   */
  readonly workers?: number;
  readonly runner: Runner;
  readonly onProgress?: (stage: 'calibrate' | 'confidence' | 'simulate', done: number, total: number) => void;
}

/** Options of `simulateModel`: a model file and a dataset folder, converted and then simulated. */
export interface SimulateModelOptions extends SimulateConvertedOptions {
  readonly model: string;
  readonly data: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Default: calibrate on 200 training samples spread over the split, p = 1, layer-wise. */
  readonly thresholds?: ThresholdSource;
}

/** The largest run (samples × T) whose readout is recorded for the exit sweep by default. */
const MAX_RECORDED_SAMPLE_STEPS = 2 ** 25;

/** Converts and simulates; see `SimulationReport`. */
export async function simulateModel(options: SimulateModelOptions): Promise<SimulationReport> {
  const converted = await convertModel({
    model: options.model,
    data: options.data,
    mean: options.mean,
    std: options.std,
    thresholds: options.thresholds ?? { kind: 'calibrate', samples: DEFAULT_CALIBRATION_SAMPLES },
    runner: options.runner,
    onProgress: (d, t) => options.onProgress?.('calibrate', d, t),
  });
  return simulateConverted(converted, options);
}

/** Simulates a converted network (nothing is read or folded again); see `SimulationReport`. */
export async function simulateConverted(converted: ConvertedModel, options: SimulateConvertedOptions): Promise<SimulationReport> {
  const neuron: NeuronConfig = { ...DEFAULT_NEURON_CONFIG, ...options.neuron };
  const dynamics = neuronDynamics(neuron);
  const { network, lambdas, dataOptions } = converted;
  const common = {
    dynamics,
    encoding: options.encoding ?? 'direct',
    seed: options.seed ?? 0,
    chunk: options.chunk,
    batchSize: options.batchSize,
    workers: options.workers,
  };
  if (typeof options.data !== 'string') simulatedSplit(options.data);
  const confidence = await resolveConfidence(options, converted, common);
  const selected =
    typeof options.data === 'string'
      ? await openDataset(options.data, { split: options.split, limit: options.limit, every: options.every, ...dataOptions })
      : options.every !== undefined || options.limit !== undefined
        ? stridedDataset(options.data, options.every ?? 1, options.limit ?? Infinity)
        : options.data;
  // a shard simulates its slice at its positions in the whole run (its draws, its traces: those of the whole run)
  const sharded = options.shard && shardDataset(selected, options.shard);
  const dataset = sharded ?? selected;
  const range: ShardRange = sharded ? sharded.range : { first: 0, samples: dataset.length };
  assertLabelsFit(network, dataset);
  const result = await simulate(network, lambdas, dataset, options.runner, {
    ...common,
    steps: options.steps,
    confidence,
    traceNeurons: options.traceNeurons,
    exit: options.exit,
    firstPosition: range.first,
    // decided on the whole run, so that every shard records or none does
    recordReadout: !options.exit && options.sweepExit !== false && selected.length * options.steps <= MAX_RECORDED_SAMPLE_STEPS,
    onProgress: (d, t) => options.onProgress?.('simulate', d, t),
  });
  return buildReport(
    converted,
    typeof options.data === 'string' ? options.data : dataset.root,
    neuron,
    common.encoding,
    common.seed,
    confidence,
    dataset,
    result,
    options.shard && { shard: options.shard, range, total: selected.length },
  );
}

/**
 * Confidence per relu layer. Measured (docs/method.md §4): simulate the same converter without confidence for 16
 * steps on the calibration samples, r = SIN / (SIN + POS) per layer, and c = 1 − r for the last spiking layer
 * only, as the authors did; every other layer keeps c = 1. Thresholds from an SNN file were calibrated elsewhere:
 * then the default calibration samples of the evaluation folder's training split stand in for them.
 */
async function resolveConfidence(
  options: SimulateConvertedOptions,
  converted: ConvertedModel,
  common: {
    dynamics: ReturnType<typeof neuronDynamics>;
    encoding: InputEncoding;
    seed: number;
    chunk?: number;
    batchSize?: number;
    workers?: number;
  },
): Promise<Map<string, number> | undefined> {
  const source = options.confidence ?? { kind: 'off' };
  const relus = converted.plan.spiking.map((s) => s.name);
  if (source.kind === 'off') return undefined;
  if (source.kind === 'given') {
    if (source.values.length !== relus.length) {
      throw new MsatError(
        'SNN_OPTIONS',
        `spike confidence gives ${source.values.length} values for ${relus.length} spiking layers (${relus.join(', ')})`,
      );
    }
    return new Map(relus.map((r, i) => [r, source.values[i]]));
  }
  let calibrationSet: Dataset | undefined = converted.calibrationSet;
  if (!calibrationSet && typeof options.data === 'string')
    calibrationSet = (await openCalibrationSet(options.data, {}, converted.dataOptions)).dataset;
  if (!calibrationSet) {
    throw new MsatError(
      'SNN_OPTIONS',
      'measuring spike confidence needs the calibration samples: convert with calibration data, or give one confidence per spiking layer',
    );
  }
  const probe = await simulate(converted.network, converted.lambdas, calibrationSet, options.runner, {
    ...common,
    steps: 16,
    onProgress: (d, t) => options.onProgress?.('confidence', d, t),
  });
  const last = probe.layers[probe.layers.length - 1];
  return new Map(relus.map((r) => [r, r === last.layer ? spikeConfidence(last.sin) : 1]));
}

/** The report of a whole run, or of one shard of it (with its tallies). */
function buildReport(
  converted: ConvertedModel,
  data: string,
  neuron: NeuronConfig,
  encoding: InputEncoding,
  seed: number,
  confidence: Map<string, number> | undefined,
  dataset: Dataset,
  result: SimulationResult,
  shard?: { shard: Shard; range: ShardRange; total: number },
): SimulationReport {
  const feeds = synapticFeeds(converted.network);
  const lambdas = new Map([...converted.lambdas].map(([layer, l]) => [layer, typeof l === 'number' ? l : [...l]]));
  const context: ReportContext = {
    model: converted.model.path ?? converted.network.source,
    data,
    split: simulatedSplit(dataset),
    neuron,
    encoding,
    seed,
    lambdas,
    confidence: confidence ? Object.fromEntries(confidence) : null,
    coverage: converted.coverage,
  };
  const report = reportOfResult(context, result, feeds, result.exit && formatExitRule(result.exit.rule, result.steps));
  return shard ? { ...report, shard: shardTallies(result, shard.shard, shard.range, shard.total, feeds) } : report;
}
