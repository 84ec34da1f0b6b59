/**
 * The search strategy of `msat tune` (successive halving + local refinement) on synthetic objectives, where
 * the optimum is known: coverage of the Latin hypercube, determinism, the anchor guarantee, the work count
 * and the early stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latinHypercube, perturb, plannedWork, reflect, rungSizes, runSearch, type Candidate, type SearchPlan } from '../../src/tune/index.js';

const PLAN: SearchPlan = { rungs: [10, 30, 90], eta: 3, initial: 24, refineRounds: 2, refinePerRound: 4, refineSigma: 0.12, seed: 7 };
const OPTIMUM = [0.3, 0.7, 0.5];

/** Squared distance to OPTIMUM plus deterministic "sampling noise" that shrinks like 1/√samples. */
function noisy(c: Candidate, samples: number): number {
  const d = c.unit.reduce((a, u, i) => a + (u - OPTIMUM[i]) ** 2, 0);
  const h = [...c.id].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) % 1000, 17) / 1000 - 0.5;
  return d + (0.05 * h) / Math.sqrt(samples);
}

test('Latin hypercube: every coordinate has exactly one point per stratum; same seed, same points', () => {
  const pts = latinHypercube(12, 5, 3);
  for (let j = 0; j < 5; j++) {
    const strata = pts.map((p) => Math.floor(p[j] * 12)).sort((a, b) => a - b);
    assert.deepEqual(
      strata,
      Array.from({ length: 12 }, (_, i) => i),
    );
  }
  assert.deepEqual(latinHypercube(12, 5, 3), pts);
  assert.notDeepEqual(latinHypercube(12, 5, 4), pts);
});

test('perturbations stay in [0, 1) by reflection and are seeded', () => {
  const pts = perturb([0.01, 0.99, 0.5], 200, 0.3, 1);
  for (const p of pts) for (const u of p) assert.ok(u >= 0 && u < 1, `${u}`);
  assert.deepEqual(perturb([0.01, 0.99, 0.5], 200, 0.3, 1), pts);
  assert.equal(reflect(-0.25), 0.25);
  assert.equal(reflect(1.25), 0.75);
  assert.equal(reflect(2.5), 0.5);
});

test('rung sizes divide by η down to the minimum', () => {
  assert.deepEqual(rungSizes(432, 48, 3), [48, 144, 432]);
  assert.deepEqual(rungSizes(432, 100, 3), [144, 432]);
  assert.deepEqual(rungSizes(64, 64, 3), [64]);
});

test('successive halving + refinement finds the optimum of a noisy quadratic; the work matches plannedWork', async () => {
  const anchor: Candidate = { id: 'defaults', unit: [0.9, 0.1, 0.9], anchor: true };
  let work = 0;
  const seen = new Map<string, number>();
  const outcome = await runSearch(3, [anchor], PLAN, {
    score: async (c, n) => {
      work += n - (seen.get(c.id) ?? 0);
      seen.set(c.id, n);
      return noisy(c, n);
    },
  });
  assert.equal(outcome.finalSamples, 90);
  assert.equal(outcome.stopped, false);
  const dist = Math.sqrt(outcome.best.candidate.unit.reduce((a, u, i) => a + (u - OPTIMUM[i]) ** 2, 0));
  assert.ok(dist < 0.2, `best is ${dist.toFixed(3)} from the optimum`);
  assert.equal(work, plannedWork(PLAN, 1));
  // the anchor is scored on every rung, and the best is at least as good as it on the final one
  assert.deepEqual(
    outcome.evaluations.filter((e) => e.candidate.id === 'defaults').map((e) => e.samples),
    [10, 30, 90],
  );
  const anchorFinal = outcome.evaluations.find((e) => e.candidate.id === 'defaults' && e.samples === 90)!;
  assert.ok(outcome.best.score <= anchorFinal.score);
  // at each rung only the best 1/η of the non-anchors go on
  const initial = outcome.evaluations.filter((e) => e.phase === 'initial');
  assert.deepEqual(
    [10, 30, 90].map((n) => initial.filter((e) => e.samples === n && e.candidate.id !== 'defaults').length),
    [23, 8, 3],
  );
  const rung0 = initial.filter((e) => e.samples === 10 && e.candidate.id !== 'defaults').sort((a, b) => a.score - b.score);
  const promoted = new Set(initial.filter((e) => e.samples === 30).map((e) => e.candidate.id));
  for (const e of rung0.slice(0, 8)) assert.ok(promoted.has(e.candidate.id));
});

test('the search is deterministic for a seed and differs for another', async () => {
  const run = (seed: number) => runSearch(3, [], { ...PLAN, seed }, { score: async (c, n) => noisy(c, n) });
  const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
  assert.deepEqual(a.evaluations, b.evaluations);
  assert.notDeepEqual(
    a.evaluations.map((e) => e.candidate.unit),
    c.evaluations.map((e) => e.candidate.unit),
  );
});

test('concurrent evaluations (scores settling out of order) give the same search; at most `concurrency` run at once', async () => {
  const anchor: Candidate = { id: 'defaults', unit: [0.5, 0.5, 0.5], anchor: true };
  const sequential = await runSearch(3, [anchor], PLAN, { score: async (c, n) => noisy(c, n) });
  let running = 0;
  let most = 0;
  const parallel = await runSearch(3, [anchor], PLAN, {
    concurrency: 3,
    score: async (c, n) => {
      most = Math.max(most, ++running);
      // later candidates of a rung often finish first
      await new Promise((resolve) => setTimeout(resolve, (c.unit[0] * 7) % 3));
      running--;
      return noisy(c, n);
    },
  });
  assert.deepEqual(parallel.evaluations, sequential.evaluations);
  assert.deepEqual(parallel.best, sequential.best);
  assert.equal(most, 3);
  await assert.rejects(
    runSearch(3, [anchor], PLAN, {
      concurrency: 2,
      score: async (c) => {
        if (c.id === 'lhs-3') throw new Error('trial failed');
        return 0;
      },
    }),
    /trial failed/,
  );
});

test('an early stop ends the search, still scores the anchor on the largest sample count reached, and picks among those', async () => {
  let calls = 0;
  const anchor: Candidate = { id: 'defaults', unit: [0.5, 0.5, 0.5], anchor: true };
  const outcome = await runSearch(3, [anchor], PLAN, { score: async (c, n) => noisy(c, n), shouldStop: () => ++calls > 30 });
  assert.equal(outcome.stopped, true);
  assert.equal(outcome.finalSamples, 30);
  assert.ok(outcome.evaluations.some((e) => e.candidate.id === 'defaults' && e.samples === 30));
  const finals = outcome.evaluations.filter((e) => e.samples === 30);
  assert.equal(outcome.best.score, Math.min(...finals.map((e) => e.score)));
});
