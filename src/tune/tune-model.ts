/**
 * `tuneModel`: the whole `msat tune` job. Calibrate once at every candidate percentile, hold out tuning samples
 * from the training split, run the search (`runSearch`: successive halving + local refinement) with every
 * finished evaluation in a resumable trial log, then compare the best with the authors' defaults and θ = λ on
 * the same samples. Returns the report and what the tuned SNN file needs.
 */
import { MsatError } from '../core/index.js';
import type { Calibration, ConversionPlan } from '../convert/index.js';
import { planConversion, assertConvertible } from '../convert/index.js';
import { calibrateModelPercentiles, DEFAULT_CALIBRATION_SAMPLES, type CalibrationEvery, type ModelDataOptions } from '../pipeline/index.js';
import { METHODS, type Method } from '../snn/index.js';
import type { Runner } from '../runtime/index.js';
import { synapticFeeds } from '../snn/index.js';
import type { EvaluationContext } from './evaluate-config.js';
import { addTallies, checkFinalists, DEFAULT_OBJECTIVE, scoreTallies, validateObjective, type Tallies, type TrialScore, type TuneObjective } from './objectives.js';
import {
  createSearchSpace, decodeCandidate, defaultConfig, encodeCandidate, lambdasOfConfig, namedCoordinates, PERCENTILE_GRID, thetaLambdaConfig,
  type SearchSpace, type TunedConfig,
} from './search-space.js';
import { plannedWork, rungSizes, runSearch, type Candidate, type SearchPlan } from './successive-halving.js';
import { TrialLog, type TrialRecord } from './trial-log.js';
import { createTrialRunner, type TrialRunner } from './trial-workers.js';
import { configToJson, curveOf, TUNE_REPORT_FORMAT, type RungJson, type TrialJson, type TuneReport } from './tune-report.js';
import { loadTuningData } from './tuning-data.js';

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
}

type Resolved = Required<Omit<TuneModelOptions, 'mean' | 'std' | 'shouldStop' | 'clock' | 'onProgress' | 'chunk' | 'batchSize' | 'workers' | 'restart' | 'channelWise' | 'layerScales'>> &
  Pick<TuneModelOptions, 'mean' | 'std' | 'shouldStop' | 'clock' | 'onProgress' | 'chunk' | 'batchSize' | 'workers'> & { restart: boolean; channelWise: boolean; layerScales: boolean };

/** Merges defaults and validates once. */
export function resolveTuneOptions(options: TuneModelOptions): Resolved {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TuneModelOptions;
  const r: Resolved = {
    ...DEFAULT_TUNE_OPTIONS,
    objective: DEFAULT_OBJECTIVE,
    percentiles: PERCENTILE_GRID,
    restart: false,
    channelWise: false,
    layerScales: false,
    ...given,
  } as Resolved;
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new MsatError('TUNE_OPTIONS', `${name} must be an integer ≥ ${min}, got ${v}`);
  };
  if (!METHODS.includes(r.method)) throw new MsatError('TUNE_OPTIONS', `unknown method "${r.method}"; must be one of ${METHODS.join(', ')}`);
  int('steps (T)', r.steps, 1);
  int('checkSteps', r.checkSteps, 0);
  int('gamma', r.gamma, 1);
  int('finalists', r.finalists, 1);
  if (!(r.finalTolerance >= 0 && r.finalTolerance < 1)) throw new MsatError('TUNE_OPTIONS', `finalTolerance must be a fraction in [0, 1), got ${r.finalTolerance}`);
  int('budget', r.budget, 1);
  int('samples', r.samples, 1);
  int('minSamples', r.minSamples, 1);
  int('calibrationSamples', r.calibrationSamples, 1);
  if (r.calibrationEvery !== 'auto') int('calibrationEvery', r.calibrationEvery, 1);
  int('seed', r.seed, 0);
  if (!(r.eta >= 2)) throw new MsatError('TUNE_OPTIONS', `eta must be ≥ 2, got ${r.eta}`);
  if (r.minSamples > r.samples) throw new MsatError('TUNE_OPTIONS', `minSamples (${r.minSamples}) must not exceed samples (${r.samples})`);
  if (r.percentiles.some((p) => !(p > 0 && p <= 1))) throw new MsatError('TUNE_OPTIONS', `percentiles must be in (0, 1], got ${r.percentiles.join(', ')}`);
  validateObjective(r.objective);
  return r;
}

/** The search plan for a budget: a quarter of it (at least 2 when the budget allows) goes to two refinement rounds. */
export function planForBudget(budget: number, rungs: readonly number[], eta: number, seed: number, refineSigma: number): SearchPlan {
  const perRound = Math.floor(budget / 8);
  const refineRounds = perRound > 0 ? 2 : 0;
  return { rungs, eta, initial: budget - refineRounds * perRound, refineRounds, refinePerRound: perRound, refineSigma, seed };
}

/** Runs the whole tuning job; see the module comment. */
export async function tuneModel(options: TuneModelOptions): Promise<TuneResult> {
  const o = resolveTuneOptions(options);
  const calibrated = await calibrateModelPercentiles({
    model: o.model,
    data: o.data,
    mean: o.mean,
    std: o.std,
    samples: o.calibrationSamples,
    every: o.calibrationEvery,
    percentiles: o.percentiles,
    channelWise: o.channelWise,
    runner: o.runner,
    onProgress: (d, t) => o.onProgress?.('calibrate', d, t),
  });
  const { network, calibrations, dataOptions, modelSha256, every: calibrationEvery } = calibrated;
  const layers = calibrations[0].layers.map((l) => l.relu);
  const space = createSearchSpace({
    method: o.method,
    layers,
    lambdas: calibrations.map((c) => c.layers.map((l) => l.lambda)),
    percentiles: o.percentiles,
    layerScales: o.layerScales,
    gamma: o.gamma,
  });
  const rungs = rungSizes(o.samples, o.minSamples, o.eta);
  const plan = planForBudget(o.budget, rungs, o.eta, o.seed, DEFAULT_TUNE_OPTIONS.refineSigma);
  // Everything that changes what the search computes: a log written under another configuration is refused.
  const identity = {
    modelSha256,
    data: o.data,
    normalization: dataOptions,
    method: o.method,
    T: o.steps,
    objective: o.objective,
    plan,
    calibrationSamples: o.calibrationSamples,
    // Only when not 1, so trial logs written before the option existed stay resumable.
    ...(calibrationEvery !== 1 ? { calibrationEvery } : {}),
    ...(o.gamma !== 1 ? { gamma: o.gamma } : {}),
    channelWise: o.channelWise,
    percentiles: o.percentiles,
    layerScales: o.layerScales,
  };
  const log = await TrialLog.open(o.log, identity, { restart: o.restart });
  let trialRunner: TrialRunner | undefined;
  try {
    const data = await loadTuningData({
      data: o.data,
      dataOptions,
      calibrationSamples: o.calibrationSamples,
      calibrationEvery,
      samples: o.samples,
      seed: o.seed,
      network,
      runner: o.runner,
      onProgress: (d, t) => o.onProgress?.('data', d, t),
    });
    const ctx: EvaluationContext = { network, space, data, runner: o.runner, steps: o.steps, objective: o.objective, chunk: o.chunk, batchSize: o.batchSize };
    trialRunner = createTrialRunner(ctx, o.workers ?? 1);
    const annMacs = synapticFeeds(network).reduce((a, f) => a + f.macs, 0);
    const check = o.checkSteps > o.steps;
    const meter = new WorkMeter();
    const trials = new TrialBook(trialRunner, o.steps, log, meter, o.clock);
    // Check evaluations are logged under `<id>@T<steps>` and weigh T_check / T sample-trials on the progress bar.
    const horizonBook = new TrialBook(trialRunner, o.checkSteps, log, meter, o.clock, `@T${o.checkSteps}`, o.checkSteps / o.steps);
    const defaults = defaultConfig(o.method);
    const anchor: Candidate = { id: 'defaults', unit: encodeCandidate(space, defaults), anchor: true };
    const configOf = (c: Candidate): TunedConfig => (c.id === 'defaults' ? defaults : decodeCandidate(space, c.unit));
    // θ = λ on the final samples, and (expected) one finalist to the check horizon
    const finalWork = rungs[rungs.length - 1] * (1 + (check ? o.checkSteps / o.steps : 0));
    const total = plannedWork(plan, 1) + finalWork;
    meter.onWork = (done) => o.onProgress?.('search', done, Math.max(total, done));

    const outcome = await runSearch(space.dimensions.length, [anchor], plan, {
      score: async (c, n) => scoreTallies(await trials.tallies(c.id, configOf(c), n), o.objective, annMacs).score,
      shouldStop: o.shouldStop,
      concurrency: trialRunner.parallel,
    });
    const n = outcome.finalSamples;
    const score = (t: Tallies) => scoreTallies(t, o.objective, annMacs);
    // The finalists: the search's best `finalists` in its order, then the defaults if they are not among them.
    const finalRung = outcome.evaluations.filter((e) => e.samples === n).sort((a, b) => a.score - b.score);
    const ranked = finalRung.filter((e, i) => finalRung.findIndex((f) => f.candidate.id === e.candidate.id) === i);
    const finalists = [...ranked.slice(0, o.finalists), ...ranked.slice(o.finalists).filter((e) => e.candidate.id === 'defaults')];
    const checked = check
      ? await checkFinalists(finalists, async (e) => score(await horizonBook.tallies(e.candidate.id, configOf(e.candidate), n)), o.finalTolerance, trialRunner.parallel)
      : null;
    const chosen = checked?.chosen.candidate ?? outcome.best;
    const bestConfig = configOf(chosen.candidate);
    const theta = thetaLambdaConfig();
    const thetaId = o.method === 'const' && sameConfig(defaults, theta) ? 'defaults' : 'theta-lambda';
    const [bestTallies, defaultTallies, thetaTallies] = await Promise.all([
      trials.tallies(chosen.candidate.id, bestConfig, n),
      trials.tallies('defaults', defaults, n),
      trials.tallies(thetaId, theta, n),
    ]);

    const candidates = new Map<string, { c: Candidate; phase: string }>();
    for (const e of outcome.evaluations) if (!candidates.has(e.candidate.id)) candidates.set(e.candidate.id, { c: e.candidate, phase: e.phase });
    const trialJson = (id: string, c: Candidate, phase: string): TrialJson => ({
      id,
      phase,
      config: configToJson(configOf(c), layers),
      coordinates: c.id === 'defaults' ? null : namedCoordinates(space, c.unit),
      rungs: trials.history(id).map(({ samples, tallies }): RungJson => ({ samples, ...score(tallies) })),
    });
    const table = [...candidates.entries()].map(([id, { c, phase }]) => trialJson(id, c, phase));
    table.sort((a, b) => b.rungs[b.rungs.length - 1].samples - a.rungs[a.rungs.length - 1].samples || a.rungs[a.rungs.length - 1].score - b.rungs[b.rungs.length - 1].score);
    const bestScore = score(bestTallies);
    const report: TuneReport = {
      format: TUNE_REPORT_FORMAT,
      version: 1,
      model: { path: o.model, sha256: modelSha256 },
      data: o.data,
      normalization: dataOptions,
      tuning: { split: 'train', samples: o.samples, positions: [...data.positions], calibrationSamples: o.calibrationSamples, calibrationEvery },
      method: o.method,
      T: o.steps,
      objective: o.objective,
      seed: o.seed,
      plan: { budget: o.budget, ...plan },
      percentiles: o.percentiles,
      layerScales: o.layerScales,
      lambdaMax: Object.fromEntries(layers.map((l, i) => {
        const lambda = calibrations[o.percentiles.indexOf(1)].layers[i].lambda;
        return [l, typeof lambda === 'number' ? lambda : [...lambda]];
      })),
      best: { ...trialJson(chosen.candidate.id, chosen.candidate, chosen.phase), score: bestScore },
      check: checked
        ? {
            T: o.checkSteps,
            samples: n,
            finalTolerance: o.finalTolerance,
            passed: checked.chosen.passes,
            finalists: checked.checked.map(({ candidate: e, score: s, passes }) => ({ id: e.candidate.id, searchScore: e.score, passes, ...s })),
          }
        : null,
      comparison: {
        samples: n,
        annAccuracy: bestScore.annAccuracy,
        best: curveOf('tuned', configToJson(bestConfig, layers), bestTallies, bestScore),
        defaults: curveOf(o.method === 'const' ? 'θ = λ (default)' : 'authors\u2019 defaults', configToJson(defaults, layers), defaultTallies, score(defaultTallies)),
        thetaLambda: curveOf('θ = λ', configToJson(theta, layers), thetaTallies, score(thetaTallies)),
      },
      trials: table,
      stopped: outcome.stopped,
      evaluations: { simulated: trials.simulated + horizonBook.simulated, resumed: trials.resumed + horizonBook.resumed, sampleSteps: meter.sampleSteps },
    };
    const calibration = tunedCalibration(calibrations[o.percentiles.indexOf(bestConfig.percentile)], space, bestConfig);
    const conversion = planConversion(network, calibration);
    assertConvertible(conversion);
    return { best: bestConfig, bestScore, report, calibration, plan: conversion, normalization: dataOptions, modelSha256, calibrationEvery };
  } finally {
    await trialRunner?.dispose();
    await log.close();
  }
}

/** The calibration of the tuned percentile with λ multiplied by the layer scales (what the SNN file records). */
function tunedCalibration(base: Calibration, space: SearchSpace, config: TunedConfig): Calibration {
  const lambdas = lambdasOfConfig(space, config);
  return { ...base, layers: base.layers.map((l, i) => ({ ...l, lambda: lambdas[i] })) };
}

function sameConfig(a: TunedConfig, b: TunedConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Work done so far, in sample-trials of the search's T (what the progress bar counts), and sample-steps simulated. */
class WorkMeter {
  done = 0;
  sampleSteps = 0;
  onWork?: (done: number) => void;

  add(work: number): void {
    this.done += work;
    this.onWork?.(this.done);
  }
}

/**
 * Tallies per candidate over growing prefixes of the tuning samples, simulated `steps` steps. Asking for more
 * samples than a candidate has simulates only the new ones; a range already in the trial log (a resumed run)
 * is taken from there. A book for another T logs its records under `<id><suffix>`. Different candidates may be
 * asked for at once (they run in parallel on the `TrialRunner`); the same candidate is asked for in order.
 */
class TrialBook {
  readonly #runner: TrialRunner;
  readonly #steps: number;
  readonly #log: TrialLog;
  readonly #meter: WorkMeter;
  readonly #clock?: () => number;
  readonly #suffix: string;
  readonly #weight: number;
  readonly #logged: Map<string, TrialRecord>;
  readonly #state = new Map<string, { to: number; tallies: Tallies; history: { samples: number; tallies: Tallies }[] }>();
  /** Requests in progress by `id:n`, so that asking twice at once simulates once. */
  readonly #pending = new Map<string, Promise<Tallies>>();
  simulated = 0;
  resumed = 0;

  constructor(runner: TrialRunner, steps: number, log: TrialLog, meter: WorkMeter, clock?: () => number, suffix = '', weight = 1) {
    this.#runner = runner;
    this.#steps = steps;
    this.#log = log;
    this.#meter = meter;
    this.#clock = clock;
    this.#suffix = suffix;
    this.#weight = weight;
    this.#logged = new Map(log.resumed.map((r) => [`${r.candidate}:${r.from}:${r.to}`, r]));
  }

  /** `id`'s tallies on the first `n` tuning samples. */
  tallies(id: string, config: TunedConfig, n: number): Promise<Tallies> {
    const key = `${id}:${n}`;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#extend(id, config, n).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #extend(id: string, config: TunedConfig, n: number): Promise<Tallies> {
    const s = this.#state.get(id);
    const from = s?.to ?? 0;
    if (s && from === n) return s.tallies;
    if (from > n) throw new MsatError('TUNE_INTERNAL', `candidate ${id} was scored on ${from} samples and cannot go back to ${n}`);
    const logId = `${id}${this.#suffix}`;
    let record = this.#logged.get(`${logId}:${from}:${n}`);
    if (record) this.resumed++;
    else {
      const t0 = this.#clock?.() ?? 0;
      const tallies = await this.#runner.evaluate(config, from, n, this.#steps);
      record = { candidate: logId, from, to: n, tallies, seconds: (this.#clock?.() ?? 0) - t0 };
      await this.#log.append(record);
      this.simulated++;
      this.#meter.sampleSteps += (n - from) * this.#steps;
    }
    const tallies = s ? addTallies(s.tallies, record.tallies) : record.tallies;
    const history = [...(s?.history ?? []), { samples: n, tallies }];
    this.#state.set(id, { to: n, tallies, history });
    this.#meter.add((n - from) * this.#weight);
    return tallies;
  }

  /** The prefixes `id` was scored on, in order. */
  history(id: string): readonly { samples: number; tallies: Tallies }[] {
    return this.#state.get(id)?.history ?? [];
  }
}
