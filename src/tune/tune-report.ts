/**
 * What `msat tune` hands back: the search report (`tune-report.json`: trials table, best configuration, and the
 * accuracy-vs-step curves of the best, the authors' defaults and θ = λ on the tuning samples) and the SNN file
 * that carries the tuned neuron config, so `msat simulate --snn` needs no further flags.
 */
import { createSnnFile, type Calibration, type ConversionPlan, type SnnFile, type SnnFileProvenance } from '../convert/index.js';
import type { ModelDataOptions } from '../pipeline/index.js';
import type { NeuronConfig } from '../snn/index.js';
import type { ExitChoice } from './exit-choice.js';
import type { Tallies, TrialScore, TuneObjective } from './objectives.js';
import type { TunedConfig } from './search-space.js';

export const TUNE_REPORT_FORMAT = 'msat-tune-report';

/** A config as the report and the SNN file record it. */
export interface ConfigJson {
  readonly method: NeuronConfig['method'];
  readonly k?: number;
  readonly hp?: NeuronConfig['hp'];
  /** Max spikes per step, when not 1 (burst). */
  readonly gamma?: number;
  readonly percentile: number;
  /** Factor on λ per spiking layer, by layer name; null for none. */
  readonly layerScales: Readonly<Record<string, number>> | null;
}

/** One scored evaluation of a candidate on its first `samples` tuning samples. */
export interface RungJson {
  readonly samples: number;
  readonly score: number;
  readonly stepsToTarget: number | null;
  readonly auc: number;
  readonly finalAccuracy: number;
  readonly annAccuracy: number;
  readonly sopPerStep?: number;
  readonly kl?: number;
}

/** One row of the trials table. */
export interface TrialJson {
  readonly id: string;
  readonly phase: string;
  readonly config: ConfigJson;
  /** The searched quantities (restRatio, spread, …), null for an anchor outside the search box. */
  readonly coordinates: Readonly<Record<string, number>> | null;
  /** Scores on each rung the candidate reached (the last one is what it was ranked by). */
  readonly rungs: readonly RungJson[];
}

/** An accuracy-vs-step curve on the comparison samples. */
export interface CurveJson {
  readonly label: string;
  readonly config: ConfigJson;
  /** Accuracy (fraction) at steps 1..T. */
  readonly accuracyPerStep: readonly number[];
  readonly stepsToAnnMinus1: number | null;
  readonly finalAccuracy: number;
  readonly auc: number;
  readonly score: number;
}

/** `tune-report.json`. */
export interface TuneReport {
  readonly format: typeof TUNE_REPORT_FORMAT;
  readonly version: 1;
  readonly model: { readonly path: string; readonly sha256: string };
  readonly data: string;
  readonly normalization: ModelDataOptions;
  /** The tuning samples: training-split positions (dataset order), calibration samples excluded. */
  readonly tuning: {
    readonly split: 'train';
    readonly samples: number;
    readonly positions: readonly number[];
    readonly calibrationSamples: number;
    readonly calibrationEvery?: number;
  };
  readonly method: NeuronConfig['method'];
  readonly T: number;
  readonly objective: TuneObjective;
  readonly seed: number;
  readonly plan: {
    readonly budget: number;
    readonly rungs: readonly number[];
    readonly eta: number;
    readonly initial: number;
    readonly refineRounds: number;
    readonly refinePerRound: number;
    readonly refineSigma: number;
  };
  readonly percentiles: readonly number[];
  readonly layerScales: boolean;
  /** λ at p = 1 per spiking layer (raw units). */
  readonly lambdaMax: Readonly<Record<string, number | number[]>>;
  /** The tuned result, with its score at the search's T on the final samples. */
  readonly best: TrialJson & { readonly score: TrialScore };
  /** The finalists simulated to the check horizon, in the order checked (`checkFinalists`); null when skipped. */
  readonly check: {
    readonly T: number;
    readonly samples: number;
    readonly finalTolerance: number;
    /** Whether the tuned result ends within finalTolerance of the ANN at step T. */
    readonly passed: boolean;
    readonly finalists: readonly (TrialScore & { readonly id: string; readonly searchScore: number; readonly passes: boolean })[];
  } | null;
  /** The early-exit rule chosen for the tuned neuron on the final tuning samples (null when not asked for). */
  readonly exit: ExitChoice | null;
  /** The best, the defaults and θ = λ on the same `samples` tuning samples. */
  readonly comparison: {
    readonly samples: number;
    readonly annAccuracy: number;
    readonly best: CurveJson;
    readonly defaults: CurveJson;
    readonly thetaLambda: CurveJson;
  };
  readonly trials: readonly TrialJson[];
  /** True when a time budget ended the search early. */
  readonly stopped: boolean;
  /** Evaluations simulated in this run, and taken from the trial log of an earlier one. */
  readonly evaluations: { readonly simulated: number; readonly resumed: number; readonly sampleSteps: number };
}

/** `config` as JSON; `layers` names the scales. */
export function configToJson(config: TunedConfig, layers: readonly string[]): ConfigJson {
  const { method, k, hp, gamma } = config.neuron;
  return {
    method,
    ...(method === 'const' ? { k } : { hp }),
    ...(gamma !== 1 ? { gamma } : {}),
    percentile: config.percentile,
    layerScales: config.layerScales ? Object.fromEntries(layers.map((l, i) => [l, config.layerScales![i]])) : null,
  };
}

/** The curve of `tallies` (accuracy per step) labelled `label`. */
export function curveOf(label: string, config: ConfigJson, tallies: Tallies, score: TrialScore): CurveJson {
  return {
    label,
    config,
    accuracyPerStep: tallies.correct.map((c) => c / tallies.samples),
    stepsToAnnMinus1: score.stepsToTarget,
    finalAccuracy: score.finalAccuracy,
    auc: score.auc,
    score: score.score,
  };
}

/** What the tuned SNN file records in `options`: what `msat simulate --snn` reads back. */
export interface TunedSnnOptions {
  readonly neuron: NeuronConfig;
  readonly normalization: ModelDataOptions;
  readonly thresholds: {
    readonly kind: 'calibrate';
    readonly samples: number;
    readonly every?: number;
    readonly percentile: number;
    readonly channelWise: boolean;
  };
  /** The early-exit rule chosen on held-out samples (`ExitChoice.rule`), when one reaches the target. */
  readonly exit?: string;
  /**
   * Where it was chosen: with split `'test'`, an evaluation of every m-th test sample (m a multiple of
   * `leftOutEvery`) scores none of those samples (`checkExitHoldout`).
   */
  readonly exitChosenOn?: Pick<ExitChoice, 'split' | 'leftOutEvery' | 'samples' | 'level'>;
  /** How the file was tuned. λ in `calibration` already include `layerScales`. */
  readonly tune: {
    readonly percentile: number;
    readonly layerScales: Readonly<Record<string, number>> | null;
    readonly objective: TuneObjective;
    readonly T: number;
    /** The check horizon the result was chosen at (null: no check). */
    readonly checkT: number | null;
    readonly score: TrialScore;
    readonly seed: number;
  };
}

/** The SNN file of a tuning result: λ at the tuned percentile times the layer scales, and the tuned neuron config. */
export function createTunedSnnFile(parts: {
  readonly model: { readonly path: string; readonly sha256: string };
  readonly calibration: Calibration;
  readonly plan: ConversionPlan;
  readonly options: TunedSnnOptions;
  readonly provenance: SnnFileProvenance;
}): SnnFile<TunedSnnOptions> {
  return createSnnFile(parts);
}
