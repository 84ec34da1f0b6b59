/**
 * The options of `msat tune` (`tuneModel`), their defaults and their one validation, the search plan a budget
 * buys, and what a tuning run returns.
 */
import { MsatError } from '../core/index.js';
import type { Calibration, ConversionPlan } from '../convert/index.js';
import { DEFAULT_CALIBRATION_SAMPLES, type CalibrationEvery, type ModelDataOptions } from '../pipeline/index.js';
import type { Runner } from '../runtime/index.js';
import { METHODS, type Method } from '../snn/index.js';
import type { ExitChoice } from './exit-choice.js';
import { DEFAULT_OBJECTIVE, validateObjective, type TrialScore, type TuneObjective } from './objectives.js';
import { PERCENTILE_GRID, type TunedConfig } from './search-space.js';
import type { SearchPlan } from './successive-halving.js';
import type { TuneReport } from './tune-report.js';

/** Options of `tuneModel`; `model`, `data`, `log` and `runner` are required. */
export interface TuneModelOptions {
  readonly model: string;
  /** Dataset folder; only its training split is read. */
  readonly data: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Neuron mode to tune. Default `'msat'` (DTT+DET). */
  readonly method?: Method;
  /** T, steps simulated per trial. Default 64. */
  readonly steps?: number;
  /**
   * The check horizon: the best `finalists` of the search (then the defaults) are simulated this many steps on
   * the final tuning samples until one keeps the ANN's accuracy there (`checkFinalists`). Default 256; a value
   * ≤ `steps` skips the check.
   */
  readonly checkSteps?: number;
  /** Finalists that may be re-simulated to the check horizon. Default 3. */
  readonly finalists?: number;
  /** Accuracy gap to the ANN at the check horizon's last step that a finalist may have (fraction). Default 0.003. */
  readonly finalTolerance?: number;
  /**
   * Max spikes per neuron per step γ of the searched candidates (burst neurons when > 1); the authors' defaults
   * and θ = λ are compared at γ = 1. Default 1.
   */
  readonly gamma?: number;
  /** Default `DEFAULT_OBJECTIVE` (steps to ANN − 1 %). */
  readonly objective?: TuneObjective;
  /** Candidates evaluated in all (initial population + refinement). Default 32. */
  readonly budget?: number;
  /** Tuning samples (the last rung). Default 432. */
  readonly samples?: number;
  /** Fewest samples of the first rung. Default 48. */
  readonly minSamples?: number;
  /** Halving rate η. Default 3. */
  readonly eta?: number;
  /** Calibration samples N (never tuned on). Default 200. */
  readonly calibrationSamples?: number;
  /** Which N (`CalibrationEvery`: `'auto'` spreads them over the training split). Default `'auto'`. */
  readonly calibrationEvery?: CalibrationEvery;
  readonly channelWise?: boolean;
  /** Percentiles to choose from (must contain 1). Default `PERCENTILE_GRID`. */
  readonly percentiles?: readonly number[];
  /** Also search one λ scale per spiking layer. Default false. */
  readonly layerScales?: boolean;
  /** Seed of the sample split and the candidate draws. Default 0. */
  readonly seed?: number;
  /** The trial log (JSON lines); an existing log with the same configuration is resumed. */
  readonly log: string;
  /** Discard an existing log instead of resuming it. */
  readonly restart?: boolean;
  /** Checked before each evaluation; true ends the search early (a time budget; the CLI reads the clock). */
  readonly shouldStop?: () => boolean;
  /** Seconds since some origin, for the log's per-trial times (the CLI passes a clock; default none). */
  readonly clock?: () => number;
  readonly chunk?: number;
  readonly batchSize?: number;
  /**
   * Also choose an early-exit rule for the tuned neuron (`chooseTunedExit`: one more simulation of it on held-out
   * samples, to the check horizon `checkSteps` when that is longer than T). Default true.
   */
  readonly exit?: boolean;
  /**
   * The samples the exit rule is chosen on: `'validation'` (the dataset's validation split, `exitSamples` of them),
   * `'train'` (the final held-out tuning samples), `'test'` (the test samples an evaluation of every `evalEvery`-th
   * leaves out: for a dataset without a validation split, the only samples the ANN did not learn) or `'auto'`
   * (default): validation where the dataset has one, else train. An ANN is more confident on images it was trained
   * on, so a rule chosen there stops too early on unseen ones.
   */
  readonly exitSplit?: 'auto' | 'train' | 'validation' | 'test';
  /** Validation or test samples the exit rule is chosen on (at most what the split lends). Default 2000. */
  readonly exitSamples?: number;
  /** With `exitSplit: 'test'`: the stride of the evaluation (`--every`) whose samples are left out. Default 10. */
  readonly evalEvery?: number;
  /**
   * The confidence with which the chosen rule is to reach the target on unseen samples: a rule qualifies when the
   * lower confidence bound of its accuracy relative to the ANN (`pairedLowerBound`) reaches the target. Default
   * 0.9; 0.5 takes the accuracy measured on the choice's samples as it is.
   */
  readonly exitLevel?: number;
  /**
   * Trials run at once, each in its own worker thread on a share of the runner's threads (`createTrialRunner`).
   * Default 1: on the calling thread. Results do not depend on it.
   */
  readonly workers?: number;
  readonly runner: Runner;
  readonly onProgress?: (stage: 'calibrate' | 'data' | 'search', done: number, total: number) => void;
}

export const DEFAULT_TUNE_OPTIONS = Object.freeze({
  method: 'msat' as Method,
  steps: 64,
  checkSteps: 256,
  gamma: 1,
  finalists: 3,
  finalTolerance: 0.003,
  budget: 32,
  samples: 432,
  minSamples: 48,
  eta: 3,
  calibrationSamples: DEFAULT_CALIBRATION_SAMPLES,
  calibrationEvery: 'auto' as CalibrationEvery,
  seed: 0,
  refineSigma: 0.12,
  exit: true,
  exitSplit: 'auto' as 'auto' | 'train' | 'validation' | 'test',
  exitSamples: 2000,
  evalEvery: 10,
  exitLevel: 0.9,
});

/** The outcome of `tuneModel`. */
export interface TuneResult {
  readonly best: TunedConfig;
  readonly bestScore: TrialScore;
  readonly report: TuneReport;
  /** λ at the tuned percentile times the layer scales, as the SNN file records them. */
  readonly calibration: Calibration;
  readonly plan: ConversionPlan;
  readonly normalization: ModelDataOptions;
  readonly modelSha256: string;
  /** The stride of the calibration samples (`'auto'` resolved). */
  readonly calibrationEvery: number;
  /** The early-exit rule chosen for the tuned neuron (null with `exit: false`). */
  readonly exit: ExitChoice | null;
}

export type ResolvedTuneOptions = Required<
  Omit<
    TuneModelOptions,
    'mean' | 'std' | 'shouldStop' | 'clock' | 'onProgress' | 'chunk' | 'batchSize' | 'workers' | 'restart' | 'channelWise' | 'layerScales'
  >
> &
  Pick<TuneModelOptions, 'mean' | 'std' | 'shouldStop' | 'clock' | 'onProgress' | 'chunk' | 'batchSize' | 'workers'> & {
    restart: boolean;
    channelWise: boolean;
    layerScales: boolean;
  };

/** Merges defaults and validates once. */
export function resolveTuneOptions(options: TuneModelOptions): ResolvedTuneOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TuneModelOptions;
  const r: ResolvedTuneOptions = {
    ...DEFAULT_TUNE_OPTIONS,
    objective: DEFAULT_OBJECTIVE,
    percentiles: PERCENTILE_GRID,
    restart: false,
    channelWise: false,
    layerScales: false,
    ...given,
  } as ResolvedTuneOptions;
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new MsatError('TUNE_OPTIONS', `${name} must be an integer ≥ ${min}, got ${v}`);
  };
  if (!METHODS.includes(r.method)) throw new MsatError('TUNE_OPTIONS', `unknown method "${r.method}"; must be one of ${METHODS.join(', ')}`);
  int('steps (T)', r.steps, 1);
  int('checkSteps', r.checkSteps, 0);
  int('gamma', r.gamma, 1);
  int('finalists', r.finalists, 1);
  if (!(r.finalTolerance >= 0 && r.finalTolerance < 1))
    throw new MsatError('TUNE_OPTIONS', `finalTolerance must be a fraction in [0, 1), got ${r.finalTolerance}`);
  int('budget', r.budget, 1);
  int('samples', r.samples, 1);
  int('minSamples', r.minSamples, 1);
  int('calibrationSamples', r.calibrationSamples, 1);
  if (r.calibrationEvery !== 'auto') int('calibrationEvery', r.calibrationEvery, 1);
  int('seed', r.seed, 0);
  if (!['auto', 'train', 'validation', 'test'].includes(r.exitSplit))
    throw new MsatError('TUNE_OPTIONS', `exitSplit must be auto, train, validation or test, got ${JSON.stringify(r.exitSplit)}`);
  int('exitSamples', r.exitSamples, 1);
  int('evalEvery', r.evalEvery, 2);
  if (!(r.exitLevel >= 0.5 && r.exitLevel < 1)) throw new MsatError('TUNE_OPTIONS', `exitLevel must be in [0.5, 1), got ${r.exitLevel}`);
  if (!(r.eta >= 2)) throw new MsatError('TUNE_OPTIONS', `eta must be ≥ 2, got ${r.eta}`);
  if (r.minSamples > r.samples) throw new MsatError('TUNE_OPTIONS', `minSamples (${r.minSamples}) must not exceed samples (${r.samples})`);
  if (r.percentiles.some((p) => !(p > 0 && p <= 1)))
    throw new MsatError('TUNE_OPTIONS', `percentiles must be in (0, 1], got ${r.percentiles.join(', ')}`);
  validateObjective(r.objective);
  return r;
}

/** The search plan for a budget: a quarter of it (at least 2 when the budget allows) goes to two refinement rounds. */
export function planForBudget(budget: number, rungs: readonly number[], eta: number, seed: number, refineSigma: number): SearchPlan {
  const perRound = Math.floor(budget / 8);
  const refineRounds = perRound > 0 ? 2 : 0;
  return { rungs, eta, initial: budget - refineRounds * perRound, refineRounds, refinePerRound: perRound, refineSigma, seed };
}
