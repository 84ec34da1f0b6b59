/**
 * `SimulationReport`, what `msat simulate --json` prints and results files store, and `reportOfResult`, the one
 * function that computes it from a `SimulationResult`: a whole run and a run merged from shards
 * (`mergeShardReports`) both go through it, so they agree to the last bit.
 */
import type { DatasetSplit, Shard } from '../data/index.js';
import {
  ENERGY_PER_AC_PJ,
  ENERGY_PER_MAC_PJ,
  describeMethod,
  energyOfFeeds,
  exitOracle,
  latencyToAnn,
  paretoFront,
  sinRatio,
  sweepExitRules,
  type ExitOutcome,
  type ExitPoint,
  type InputEncoding,
  type NeuronConfig,
  type NeuronTrace,
  type SimulationResult,
  type SynapticFeed,
} from '../snn/index.js';

/**
 * The splits a simulation reports. The results files of `msat simulate --out` and `msat experiment` record a
 * train or a test split, so a validation split (the full Speech Commands archive has one) is measured with
 * `msat eval`, not simulated.
 */
export type SimulatedSplit = Exclude<DatasetSplit, 'validation'>;

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
  /** Only in a shard's report (`shard` option): its counts, so that `mergeShardReports` gives the whole run's report. */
  readonly shard?: ShardTallies;
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

/** A shard's counts as JSON (plain arrays; the readout record's arrays as base64 of their little-endian bytes). */
export interface ShardTallies {
  readonly shard: Shard;
  /** The run positions this shard simulated: [first, first + samples) of `total`. */
  readonly first: number;
  readonly samples: number;
  /** Samples of the whole run (every shard). */
  readonly total: number;
  readonly annCorrect: number;
  /** Correct SNN answers at steps 1..T. */
  readonly correct: readonly number[];
  /** Steps simulated, summed over samples. */
  readonly sampleSteps: number;
  readonly layers: readonly {
    readonly layer: string;
    readonly neurons: number;
    /** Spikes summed over neurons and samples at each step. */
    readonly spikes: readonly number[];
    readonly sin: { readonly sin: number; readonly pos: number; readonly neurons: number };
    /** Pearson sums of the rate correlation, each an exact expansion (`PearsonSums`). */
    readonly correlation: {
      readonly n: number;
      readonly x: readonly number[];
      readonly y: readonly number[];
      readonly xx: readonly number[];
      readonly yy: readonly number[];
      readonly xy: readonly number[];
    };
  }[];
  readonly exitHistogram: readonly number[] | null;
  /** The shard's readout record (when the whole run records one, for the exit sweep). */
  readonly readout: { readonly labels: string; readonly top: string; readonly confidence: string; readonly margin: string } | null;
  /** The network's synaptic feeds (`synapticFeeds`): all the energy estimate needs of it. */
  readonly feeds: readonly { readonly layer: string; readonly macs: number; readonly analog: boolean; readonly sources: readonly string[] }[];
}

/** What a report says besides the counts of its simulation: the same in every shard of a run. */
export interface ReportContext {
  readonly model: string;
  readonly data: string;
  readonly split: SimulatedSplit;
  readonly neuron: NeuronConfig;
  readonly encoding: InputEncoding;
  readonly seed: number;
  readonly lambdas: ReadonlyMap<string, number | number[]>;
  readonly confidence: Record<string, number> | null;
  readonly coverage: string;
}

/** The report of `result`; `exitRule`: the rule's command-line form when the run had one. */
export function reportOfResult(
  context: ReportContext,
  result: SimulationResult,
  feeds: readonly SynapticFeed[],
  exitRule: string | undefined,
): SimulationReport {
  const accuracyPerStep = [...result.accuracyPerStep];
  const energy = energyOfFeeds(feeds, result);
  return {
    model: context.model,
    data: context.data,
    split: context.split,
    samples: result.samples,
    T: result.steps,
    method: describeMethod(context.neuron),
    neuron: context.neuron,
    encoding: context.encoding,
    seed: context.seed,
    annAccuracy: result.annAccuracy,
    accuracyPerStep,
    bestAccuracy: Math.max(...accuracyPerStep),
    stepsToAnnMinus1: latencyToAnn(accuracyPerStep, result.annAccuracy, { margin: 0.01 }),
    stepsToAnnMinus05: latencyToAnn(accuracyPerStep, result.annAccuracy, { margin: 0.005 }),
    firingRates: Object.fromEntries(result.layers.map((l) => [l.layer, l.firingRate])),
    layers: result.layers.map((l) => ({
      layer: l.layer,
      neurons: l.neurons,
      lambda: context.lambdas.get(l.layer)!,
      firingRate: l.firingRate,
      sinRatio: sinRatio(l.sin),
      sin: l.sin.sin,
      pos: l.sin.pos,
      rateCorrelation: l.rateCorrelation,
    })),
    sinStep: result.sinStep,
    confidence: context.confidence,
    sopPerStep: [...energy.sopPerStep],
    analogMacsPerStep: energy.analogMacsPerStep,
    annMacs: energy.annMacs,
    energyPerSampleJ: energy.energyPerSampleJ,
    multiplyPerEventEnergyPerSampleJ: energy.multiplyPerEventEnergyPerSampleJ,
    annEnergyPerSampleJ: energy.annEnergyPerSampleJ,
    energyNote: ENERGY_NOTE,
    coverage: context.coverage,
    traces: result.traces,
    exit:
      result.exit && exitRule !== undefined
        ? {
            rule: exitRule,
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
