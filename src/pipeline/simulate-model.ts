/**
 * The whole measurement of docs/method.md in one call: convert a model, simulate it for T steps on a dataset, and
 * report accuracy per step, latency to the ANN's accuracy, firing rates, SIN, synaptic operations and energy.
 */
import { assertLabelsFit } from '../ann/index.js';
import { MsatError } from '../core/index.js';
import { openDataset, stridedDataset, type Dataset, type DatasetSplit } from '../data/index.js';
import type { Runner } from '../runtime/index.js';
import {
  DEFAULT_NEURON_CONFIG,
  ENERGY_PER_AC_PJ,
  ENERGY_PER_MAC_PJ,
  describeMethod,
  energyReport,
  exitOracle,
  formatExitRule,
  paretoFront,
  sweepExitRules,
  latencyToAnn,
  neuronDynamics,
  simulate,
  sinRatio,
  spikeConfidence,
  type ExitOutcome,
  type ExitPoint,
  type ExitRule,
  type InputEncoding,
  type NeuronConfig,
  type NeuronTrace,
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

/** Spike confidence (docs/method.md §4): off, measured from SIN statistics, or given per spiking layer. */
export type ConfidenceSource =
  { readonly kind: 'off' } | { readonly kind: 'measure' } | { readonly kind: 'given'; readonly values: readonly number[] };

/**
 * The splits a simulation reports. The results files of `msat simulate --out` and `msat experiment` record a
 * train or a test split, so a validation split (the full Speech Commands archive has one) is measured with
 * `msat eval`, not simulated.
 */
export type SimulatedSplit = Exclude<DatasetSplit, 'validation'>;

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

/** One simulation, as `msat simulate --json` prints it. Accuracies are fractions in [0, 1]. */
export interface SimulationReport {
  readonly model: string;
  readonly data: string;
  readonly split: SimulatedSplit;
  readonly samples: number;
  readonly T: number;
  readonly method: string;
  readonly neuron: NeuronConfig;
  readonly encoding: InputEncoding;
  readonly seed: number;
  readonly annAccuracy: number;
  /** Accuracy at steps 1..T. */
  readonly accuracyPerStep: number[];
  readonly bestAccuracy: number;
  /** First step with accuracy ≥ ANN − 1 % (null if never). */
  readonly stepsToAnnMinus1: number | null;
  readonly stepsToAnnMinus05: number | null;
  /** Mean spikes per neuron per step, per spiking layer. */
  readonly firingRates: Record<string, number>;
  readonly layers: {
    readonly layer: string;
    readonly neurons: number;
    readonly lambda: number | number[];
    readonly firingRate: number;
    /** SIN / (SIN + POS) after `sinStep` steps. */
    readonly sinRatio: number;
    readonly sin: number;
    readonly pos: number;
    readonly rateCorrelation: number;
  }[];
  readonly sinStep: number;
  /** Spike confidence per spiking layer, when used. */
  readonly confidence: Record<string, number> | null;
  /** Synaptic operations per sample at each step (analog first layer excluded, docs/method.md §7). */
  readonly sopPerStep: number[];
  readonly analogMacsPerStep: number;
  readonly annMacs: number;
  readonly energyPerSampleJ: number;
  readonly multiplyPerEventEnergyPerSampleJ: number;
  readonly annEnergyPerSampleJ: number;
  readonly energyNote: string;
  readonly coverage: string;
  /** Traced neurons of the first sample (`traceNeurons`), empty by default. */
  readonly traces: readonly NeuronTrace[];
  /** With an exit rule: accuracy with exit (= `accuracyPerStep` at T) and when the samples stopped. */
  readonly exit: ExitReport | null;
  /** Without one: exit rules swept offline on this run's readout, and the oracle bound. */
  readonly exitSweep: ExitSweepReport | null;
  readonly seconds: number;
}

/** How a run with an exit rule stopped. Steps are counted per sample: exiting after step t costs t steps. */
export interface ExitReport {
  readonly rule: string;
  readonly accuracy: number;
  readonly meanSteps: number;
  readonly medianSteps: number;
  readonly p95Steps: number;
  /** Steps the simulator computed per sample (a chunk runs to its end), the measure of its wall time. */
  readonly computedSteps: number;
  /** Samples that exited after t steps (index t; index 0 is 0). */
  readonly histogram: number[];
}

/** Exit rules replayed on a full-length run: every rule swept, the Pareto front of them, and the oracle. */
export interface ExitSweepReport {
  readonly oracle: ExitOutcome;
  readonly points: ExitPoint[];
  readonly front: ExitPoint[];
}

export const ENERGY_NOTE =
  `energyPerSampleJ charges ${ENERGY_PER_AC_PJ} pJ per synaptic operation (one accumulate per spike) plus ${ENERGY_PER_MAC_PJ} pJ per MAC of the analog first layer at every step. ` +
  `MSAT events carry a real value s·θ(t), so a synapse receiving one must multiply: multiplyPerEventEnergyPerSampleJ charges ${ENERGY_PER_MAC_PJ} pJ per event, the honest figure for MSAT.`;

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
  const dataset =
    typeof options.data === 'string'
      ? await openDataset(options.data, { split: options.split, limit: options.limit, every: options.every, ...dataOptions })
      : options.every !== undefined || options.limit !== undefined
        ? stridedDataset(options.data, options.every ?? 1, options.limit ?? Infinity)
        : options.data;
  assertLabelsFit(network, dataset);
  const result = await simulate(network, lambdas, dataset, options.runner, {
    ...common,
    steps: options.steps,
    confidence,
    traceNeurons: options.traceNeurons,
    exit: options.exit,
    recordReadout: !options.exit && options.sweepExit !== false && dataset.length * options.steps <= MAX_RECORDED_SAMPLE_STEPS,
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

function buildReport(
  converted: ConvertedModel,
  data: string,
  neuron: NeuronConfig,
  encoding: InputEncoding,
  seed: number,
  confidence: Map<string, number> | undefined,
  dataset: Dataset,
  result: SimulationResult,
): SimulationReport {
  const accuracyPerStep = [...result.accuracyPerStep];
  const energy = energyReport(converted.network, result);
  const lambdaOf = (layer: string): number | number[] => {
    const l = converted.lambdas.get(layer)!;
    return typeof l === 'number' ? l : [...l];
  };
  return {
    model: converted.model.path ?? converted.network.source,
    data,
    split: simulatedSplit(dataset),
    samples: result.samples,
    T: result.steps,
    method: describeMethod(neuron),
    neuron,
    encoding,
    seed,
    annAccuracy: result.annAccuracy,
    accuracyPerStep,
    bestAccuracy: Math.max(...accuracyPerStep),
    stepsToAnnMinus1: latencyToAnn(accuracyPerStep, result.annAccuracy, { margin: 0.01 }),
    stepsToAnnMinus05: latencyToAnn(accuracyPerStep, result.annAccuracy, { margin: 0.005 }),
    firingRates: Object.fromEntries(result.layers.map((l) => [l.layer, l.firingRate])),
    layers: result.layers.map((l) => ({
      layer: l.layer,
      neurons: l.neurons,
      lambda: lambdaOf(l.layer),
      firingRate: l.firingRate,
      sinRatio: sinRatio(l.sin),
      sin: l.sin.sin,
      pos: l.sin.pos,
      rateCorrelation: l.rateCorrelation,
    })),
    sinStep: result.sinStep,
    confidence: confidence ? Object.fromEntries(confidence) : null,
    sopPerStep: [...energy.sopPerStep],
    analogMacsPerStep: energy.analogMacsPerStep,
    annMacs: energy.annMacs,
    energyPerSampleJ: energy.energyPerSampleJ,
    multiplyPerEventEnergyPerSampleJ: energy.multiplyPerEventEnergyPerSampleJ,
    annEnergyPerSampleJ: energy.annEnergyPerSampleJ,
    energyNote: ENERGY_NOTE,
    coverage: converted.coverage,
    traces: result.traces,
    exit: result.exit
      ? {
          rule: formatExitRule(result.exit.rule, result.steps),
          accuracy: accuracyPerStep[accuracyPerStep.length - 1],
          meanSteps: result.exit.meanSteps,
          medianSteps: result.exit.medianSteps,
          p95Steps: result.exit.p95Steps,
          computedSteps: result.exit.computedSteps,
          histogram: [...result.exit.histogram],
        }
      : null,
    exitSweep: result.readoutRecord ? exitSweepReport(result.readoutRecord) : null,
    seconds: result.seconds,
  };
}

function exitSweepReport(record: NonNullable<SimulationResult['readoutRecord']>): ExitSweepReport {
  const points = sweepExitRules(record);
  return { oracle: exitOracle(record), points, front: paretoFront(points) };
}
