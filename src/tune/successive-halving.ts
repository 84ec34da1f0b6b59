/**
 * The search strategy of `msat tune`, independent of what a candidate means (unit points and a score function
 * in, the best point out), so it is unit-tested with synthetic objectives.
 *
 * 1. Successive halving (Jamieson & Talwalkar 2016; the synchronous core of Hyperband / ASHA): the initial
 *    population (anchors + a seeded Latin hypercube) is scored on the first `rungs[0]` tuning samples; the best
 *    1/η go on to `rungs[1]` samples, and so on up to the last rung. Sample sets are nested prefixes of one
 *    seeded order, so promoting a candidate only simulates the new samples. Anchors (the authors' defaults)
 *    are promoted at every rung whatever their score, so they are always scored on the final samples and the
 *    result can never be worse than them there.
 * 2. Local refinement: `refineRounds` rounds of `refinePerRound` Gaussian steps around the incumbent (σ halves
 *    each round), each round run through the same halving; the incumbent changes only if a step beats it on
 *    the final rung.
 *
 * Why not Bayesian optimisation or CMA-ES: no such library is a dependency, and with a few dozen noisy
 * evaluations a model-based method has too little data to beat this; halving spends most of the
 * simulation on the few candidates that matter, which dominates the cost here.
 */
import { MsatError } from '../core/index.js';
import { latinHypercube, perturb, subSeed } from './sampling.js';

/** A point of the search. `anchor` points are promoted at every rung (the defaults). */
export interface Candidate {
  readonly id: string;
  readonly unit: readonly number[];
  readonly anchor?: boolean;
}

/** How much to search, and how. */
export interface SearchPlan {
  /** Tuning samples per rung: increasing prefix sizes (last = all tuning samples). */
  readonly rungs: readonly number[];
  /** Keep the best 1/η at each rung (η ≥ 2). */
  readonly eta: number;
  /** Candidates of the initial population, anchors included. */
  readonly initial: number;
  readonly refineRounds: number;
  readonly refinePerRound: number;
  /** σ (unit-cube units) of the first refinement round; each later round halves it. */
  readonly refineSigma: number;
  readonly seed: number;
}

/** A candidate's score on its first `samples` tuning samples. */
export interface Evaluation {
  readonly candidate: Candidate;
  readonly samples: number;
  readonly score: number;
  /** `initial` or `refine-<round>`. */
  readonly phase: string;
}

/** What the search calls. */
export interface SearchHooks {
  /** Score (lower is better) of `candidate` on the first `samples` tuning samples. */
  score(candidate: Candidate, samples: number): Promise<number>;
  /** Checked before each evaluation; when it returns true the search stops early (a time budget). */
  shouldStop?(): boolean;
  /**
   * Evaluations of one rung that may run at once (`score` is then called before earlier calls settle). The
   * result does not depend on it: a rung's evaluations are recorded in candidate order. Default 1.
   */
  readonly concurrency?: number;
}

/** The search's result. */
export interface SearchOutcome {
  /** Lowest score on `finalSamples`. */
  readonly best: Evaluation;
  /** The sample count the best was chosen on: the last rung, or the largest one reached when stopped early. */
  readonly finalSamples: number;
  readonly stopped: boolean;
  /** Every evaluation, in order. */
  readonly evaluations: readonly Evaluation[];
}

/** Validates `plan` against the dimension count. */
export function validatePlan(plan: SearchPlan): void {
  const bad = (m: string): never => {
    throw new MsatError('TUNE_OPTIONS', m);
  };
  if (plan.rungs.length === 0 || plan.rungs.some((n, i) => !Number.isInteger(n) || n < 1 || (i > 0 && n <= plan.rungs[i - 1]))) {
    bad(`rungs must be increasing positive sample counts, got [${plan.rungs.join(', ')}]`);
  }
  if (!(plan.eta >= 2)) bad(`eta must be ≥ 2, got ${plan.eta}`);
  if (!Number.isInteger(plan.initial) || plan.initial < 1) bad(`the initial population must be a positive integer, got ${plan.initial}`);
  if (!Number.isInteger(plan.refineRounds) || plan.refineRounds < 0) bad(`refineRounds must be ≥ 0, got ${plan.refineRounds}`);
  if (!Number.isInteger(plan.refinePerRound) || plan.refinePerRound < 0) bad(`refinePerRound must be ≥ 0, got ${plan.refinePerRound}`);
  if (!(plan.refineSigma > 0)) bad(`refineSigma must be > 0, got ${plan.refineSigma}`);
}

/** Rung sizes ending at `samples`: samples, samples/η, … down to no fewer than `minSamples` (at least one rung). */
export function rungSizes(samples: number, minSamples: number, eta: number): number[] {
  const rungs = [samples];
  while (Math.round(rungs[0] / eta) >= minSamples && rungs.length < 8) rungs.unshift(Math.round(rungs[0] / eta));
  return rungs;
}

/** Candidates alive at each rung of a halving that starts with `count` non-anchors and `anchors` anchors. */
function survivors(count: number, anchors: number, rungs: number, eta: number): number[] {
  const alive: number[] = [];
  let free = count;
  for (let r = 0; r < rungs; r++) {
    alive.push(free + anchors);
    free = Math.max(1, Math.ceil(free / eta));
    if (count === 0) free = 0;
  }
  return alive;
}

/** Sample-evaluations the whole plan performs (what the progress bar counts), assuming no early stop. */
export function plannedWork(plan: SearchPlan, anchors: number): number {
  const halving = (count: number, a: number) =>
    survivors(count, a, plan.rungs.length, plan.eta).reduce((w, m, r) => w + m * (plan.rungs[r] - (r > 0 ? plan.rungs[r - 1] : 0)), 0);
  return halving(Math.max(0, plan.initial - anchors), anchors) + plan.refineRounds * halving(plan.refinePerRound, 0);
}

/** Runs the search over the `dimensions`-dimensional unit cube; `anchors` join the initial population first. */
export async function runSearch(dimensions: number, anchors: readonly Candidate[], plan: SearchPlan, hooks: SearchHooks): Promise<SearchOutcome> {
  validatePlan(plan);
  const evaluations: Evaluation[] = [];
  const last = plan.rungs[plan.rungs.length - 1];
  let stopped = false;
  const concurrency = Math.max(1, hooks.concurrency ?? 1);

  /**
   * The evaluations of `cs` on `samples`, up to `concurrency` at a time, recorded in the order of `cs`; null
   * when the search stopped before all of them started.
   */
  const evaluateAll = async (cs: readonly Candidate[], samples: number, phase: string): Promise<Evaluation[] | null> => {
    const scores: Promise<number>[] = [];
    const inFlight = new Set<Promise<unknown>>();
    let failed = false;
    for (const c of cs) {
      if (failed) break; // Promise.all below throws the failure
      if (stopped || hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
      const score = hooks.score(c, samples);
      scores.push(score);
      const settled = score
        .then(
          () => {},
          () => void (failed = true),
        )
        .finally(() => inFlight.delete(settled));
      inFlight.add(settled);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    const done = await Promise.all(scores);
    const scored = done.map((score, i) => ({ candidate: cs[i], samples, score, phase }));
    evaluations.push(...scored);
    return scored.length === cs.length ? scored : null;
  };

  /** One successive halving over `population`; returns the evaluations on the last rung (empty if stopped). */
  const halve = async (population: readonly Candidate[], phase: string): Promise<Evaluation[]> => {
    let alive = [...population];
    for (let r = 0; r < plan.rungs.length; r++) {
      const scored = await evaluateAll(alive, plan.rungs[r], phase);
      if (!scored) return [];
      if (r === plan.rungs.length - 1) return scored;
      const ranked = rank(scored.filter((e) => !e.candidate.anchor));
      const keep = Math.max(1, Math.ceil(ranked.length / plan.eta));
      const promoted = new Set(ranked.slice(0, keep).map((e) => e.candidate.id));
      alive = alive.filter((c) => c.anchor || promoted.has(c.id));
    }
    return [];
  };

  const free = Math.max(0, plan.initial - anchors.length);
  const population: Candidate[] = [
    ...anchors.map((a) => ({ ...a, anchor: true })),
    ...latinHypercube(free, dimensions, subSeed(plan.seed, 'initial')).map((unit, i) => ({ id: `lhs-${i}`, unit })),
  ];
  await halve(population, 'initial');

  for (let round = 0; round < plan.refineRounds && !stopped && plan.refinePerRound > 0; round++) {
    const incumbent = rank(evaluations.filter((e) => e.samples === last))[0];
    if (!incumbent) break;
    const sigma = plan.refineSigma / 2 ** round;
    const steps = perturb(incumbent.candidate.unit, plan.refinePerRound, sigma, subSeed(plan.seed, `refine-${round}`));
    await halve(
      steps.map((unit, i) => ({ id: `refine${round}-${i}`, unit })),
      `refine-${round}`,
    );
  }

  // The final choice is made on the largest sample count reached; anchors are scored there too (even after
  // a stop), so the best is never worse than the defaults on the same samples.
  const finalSamples = Math.max(...evaluations.map((e) => e.samples), plan.rungs[0]);
  for (const a of population.filter((c) => c.anchor)) {
    if (!evaluations.some((e) => e.candidate.id === a.id && e.samples === finalSamples)) {
      evaluations.push({ candidate: a, samples: finalSamples, score: await hooks.score(a, finalSamples), phase: 'initial' });
    }
  }
  const best = rank(evaluations.filter((e) => e.samples === finalSamples))[0];
  if (!best) throw new MsatError('TUNE_STOPPED', 'the search stopped before any candidate was evaluated; give it more time or anchors');
  return { best, finalSamples, stopped, evaluations };
}

/** Evaluations by score, ties by first evaluated (stable sort keeps order). */
function rank(evaluations: readonly Evaluation[]): Evaluation[] {
  return [...evaluations].sort((a, b) => a.score - b.score);
}
