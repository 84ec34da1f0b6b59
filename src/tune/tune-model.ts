/**
 * `tuneModel`: the whole `msat tune` job. Calibrate once at every candidate percentile, hold out tuning samples
 * from the training split, run the search (`runSearch`: successive halving + local refinement) with every
 * finished evaluation in a resumable trial log, then compare the best with the authors' defaults and θ = λ on
 * the same samples. Returns the report and what the tuned SNN file needs.
 */
import { MsatError } from '../core/index.js';
import { planConversion, assertConvertible, type Calibration } from '../convert/index.js';
import { calibrateModelPercentiles } from '../pipeline/index.js';
import { synapticFeeds } from '../snn/index.js';
import type { EvaluationContext } from './evaluate-config.js';
import { chooseTunedExit, exitSplitOf } from './exit-choice.js';
import { addTallies, checkFinalists, scoreTallies, type Tallies } from './objectives.js';
import {
  createSearchSpace,
  decodeCandidate,
  defaultConfig,
  encodeCandidate,
  lambdasOfConfig,
  namedCoordinates,
  thetaLambdaConfig,
  type SearchSpace,
  type TunedConfig,
} from './search-space.js';
import { plannedWork, rungSizes, runSearch, type Candidate } from './successive-halving.js';
import { TrialLog, type TrialRecord } from './trial-log.js';
import { createTrialRunner, type TrialRunner } from './parallel-trials.js';
import { configToJson, curveOf, TUNE_REPORT_FORMAT, type RungJson, type TrialJson, type TuneReport } from './tune-report.js';
import { loadTuningData } from './tuning-data.js';
import { DEFAULT_TUNE_OPTIONS, planForBudget, resolveTuneOptions, type TuneModelOptions, type TuneResult } from './tune-options.js';

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
  // Records of the check horizon's book carry its suffix (`TrialBook`); the rest are for T = steps.
  const steps = (candidate: string) => (candidate.endsWith(`@T${o.checkSteps}`) ? o.checkSteps : o.steps);
  const log = await TrialLog.open(o.log, identity, { restart: o.restart, steps });
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
    if (o.exit) exitSplitOf(o, data); // refuses an exit split the data lacks before the search, not after it
    const ctx: EvaluationContext = {
      network,
      space,
      data,
      runner: o.runner,
      steps: o.steps,
      objective: o.objective,
      chunk: o.chunk,
      batchSize: o.batchSize,
    };
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
      ? await checkFinalists(
          finalists,
          async (e) => score(await horizonBook.tallies(e.candidate.id, configOf(e.candidate), n)),
          o.finalTolerance,
          trialRunner.parallel,
        )
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
    table.sort(
      (a, b) =>
        b.rungs[b.rungs.length - 1].samples - a.rungs[a.rungs.length - 1].samples ||
        a.rungs[a.rungs.length - 1].score - b.rungs[b.rungs.length - 1].score,
    );
    const bestScore = score(bestTallies);
    // the exit rule aims at the latency objective's accuracy gap (ANN − 1 % for the others)
    const exitOptions = {
      ...o,
      margin: o.objective.kind === 'latency' ? o.objective.margin : 0.01,
      level: o.exitLevel,
      steps: Math.max(o.steps, o.checkSteps),
    };
    const exit = o.exit ? await chooseTunedExit(exitOptions, ctx, bestConfig, n, dataOptions) : null;
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
      lambdaMax: Object.fromEntries(
        layers.map((l, i) => {
          const lambda = calibrations[o.percentiles.indexOf(1)].layers[i].lambda;
          return [l, typeof lambda === 'number' ? lambda : [...lambda]];
        }),
      ),
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
      exit,
      comparison: {
        samples: n,
        annAccuracy: bestScore.annAccuracy,
        best: curveOf('tuned', configToJson(bestConfig, layers), bestTallies, bestScore),
        defaults: curveOf(
          o.method === 'const' ? 'θ = λ (default)' : 'authors\u2019 defaults',
          configToJson(defaults, layers),
          defaultTallies,
          score(defaultTallies),
        ),
        thetaLambda: curveOf('θ = λ', configToJson(theta, layers), thetaTallies, score(thetaTallies)),
      },
      trials: table,
      stopped: outcome.stopped,
      evaluations: {
        simulated: trials.simulated + horizonBook.simulated,
        resumed: trials.resumed + horizonBook.resumed,
        sampleSteps: meter.sampleSteps,
      },
    };
    const calibration = tunedCalibration(calibrations[o.percentiles.indexOf(bestConfig.percentile)], space, bestConfig);
    const conversion = planConversion(network, calibration);
    assertConvertible(conversion);
    return { best: bestConfig, bestScore, report, calibration, plan: conversion, normalization: dataOptions, modelSha256, calibrationEvery, exit };
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
