/** The objectives of `msat tune` on hand-made tallies, and the additivity that halving relies on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTallies, checkFinalists, scoreTallies, settlingStep, DEFAULT_OBJECTIVE, type Tallies, type TrialScore } from '../../src/tune/index.js';

const tallies = (correct: number[], samples = 100, annCorrect = 90, extra: Partial<Tallies> = {}): Tallies => ({
  samples,
  annCorrect,
  correct,
  ...extra,
});

test('latency: the first step at ANN − 1 %, plus 1 − AUC as the tie-breaker (< 1 step)', () => {
  const s = scoreTallies(tallies([10, 50, 89, 90]), DEFAULT_OBJECTIVE, 1);
  assert.equal(s.stepsToTarget, 3);
  assert.equal(s.auc, (0.1 + 0.5 + 0.89 + 0.9) / 4);
  assert.ok(Math.abs(s.score - (3 + 1 - s.auc)) < 1e-12);
  // same step, higher curve → lower score
  const better = scoreTallies(tallies([30, 60, 89, 90]), DEFAULT_OBJECTIVE, 1);
  assert.equal(better.stepsToTarget, 3);
  assert.ok(better.score < s.score);
  // one step earlier always wins, whatever the areas
  const earlier = scoreTallies(tallies([0, 89, 89, 89]), DEFAULT_OBJECTIVE, 1);
  assert.ok(earlier.score < better.score);
});

test('latency: a curve that never reaches the target scores above T and ranks by the accuracy still missing at T', () => {
  const near = scoreTallies(tallies([10, 50, 80, 88]), DEFAULT_OBJECTIVE, 1);
  const far = scoreTallies(tallies([10, 50, 80, 70]), DEFAULT_OBJECTIVE, 1);
  const reached = scoreTallies(tallies([10, 50, 80, 89]), DEFAULT_OBJECTIVE, 1);
  assert.equal(near.stepsToTarget, null);
  assert.ok(near.score > 4 && near.score < far.score);
  assert.ok(reached.score < near.score);
  assert.ok(Math.abs(near.score - (4 + (4 / 8) * 1 + (1 - near.auc))) < 1e-9);
});

test('energy weight adds w × SOP per step ÷ ANN MACs; auc and kl objectives', () => {
  const t = tallies([10, 50, 89, 90], 100, 90, { sop: 100 * 500, kl: [4, 3, 2, 1] });
  const plain = scoreTallies(t, DEFAULT_OBJECTIVE, 1000);
  const withEnergy = scoreTallies(t, { kind: 'latency', margin: 0.01, energyWeight: 2 }, 1000);
  assert.ok(Math.abs(withEnergy.score - plain.score - 2 * 0.5) < 1e-12);
  assert.equal(scoreTallies(t, { kind: 'auc', energyWeight: 0 }, 1).score, 1 - plain.auc);
  assert.equal(scoreTallies(t, { kind: 'kl' }, 1).score, 10 / 4 / 100);
  assert.throws(() => scoreTallies(tallies([1, 2]), { kind: 'kl' }, 1), /KL/);
});

test('tallies of disjoint sample ranges add up to the tallies of their union', () => {
  const a = tallies([1, 2, 3], 10, 8, { sop: 5, kl: [1, 1, 1] });
  const b = tallies([4, 5, 6], 20, 15, { sop: 7, kl: [2, 2, 2] });
  assert.deepEqual(addTallies(a, b), { samples: 30, annCorrect: 23, correct: [5, 7, 9], sop: 12, kl: [3, 3, 3] });
});

test('latency counts the step from which the accuracy stays at ANN − 1 %: reaching it and drifting away is not rewarded', () => {
  assert.equal(settlingStep([0.1, 0.9, 0.5, 0.95, 0.96], 0.9), 4);
  assert.equal(settlingStep([0.9, 0.9, 0.8], 0.9), null);
  assert.equal(settlingStep([0.95], 0.9), 1);
  const drifts = scoreTallies(tallies([89, 89, 89, 80]), DEFAULT_OBJECTIVE, 1);
  const steady = scoreTallies(tallies([10, 50, 89, 89]), DEFAULT_OBJECTIVE, 1);
  assert.equal(drifts.stepsToTarget, 1, 'first reach is still reported');
  assert.ok(drifts.score > 4 && steady.score < 4, `drifting ${drifts.score}, steady ${steady.score}`);
});

test('the check takes finalists in order until one ends within the tolerance of the ANN; if none does, the best-scoring one', async () => {
  // ANN 90 %: `fast` settles at step 1 but ends at 89.5 % (0.5 points below), `steady` settles at 3 and ends at 90 %
  const scores: Record<string, TrialScore> = {
    fast: scoreTallies(tallies([179, 179, 179, 179], 200, 180), DEFAULT_OBJECTIVE, 1),
    steady: scoreTallies(tallies([50, 100, 178, 180], 200, 180), DEFAULT_OBJECTIVE, 1),
    drifts: scoreTallies(tallies([180, 180, 180, 170], 200, 180), DEFAULT_OBJECTIVE, 1),
  };
  assert.ok(scores.fast.score < scores.steady.score);
  const asked: string[] = [];
  const at = async (c: string) => (asked.push(c), scores[c]);
  const strict = await checkFinalists(['fast', 'steady', 'drifts'], at, 0.003);
  assert.equal(strict.chosen.candidate, 'steady');
  assert.deepEqual(
    strict.checked.map((f) => [f.candidate, f.passes]),
    [
      ['fast', false],
      ['steady', true],
    ],
  );
  assert.deepEqual(asked, ['fast', 'steady'], 'stops at the first finalist that holds');
  assert.equal((await checkFinalists(['fast', 'steady'], at, 0.005)).chosen.candidate, 'fast');
  const none = await checkFinalists(['drifts', 'fast'], at, 0.003);
  assert.equal(none.chosen.candidate, 'fast', 'nothing holds: the better score at the horizon');
  assert.equal(none.checked.length, 2);
});
