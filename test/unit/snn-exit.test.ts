/**
 * Early-exit rules: the command-line form, the decision, the statistics of exit steps, the offline replay and
 * its oracle, on hand-made readout records whose answers are known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exitFires,
  exitOracle,
  exitOutcome,
  exitStatistics,
  fitSettledPolicy,
  fewestStepsAtLeast,
  formatExitRule,
  paretoFront,
  parseExitRule,
  readoutFeatures,
  readoutWeight,
  replayExit,
  resolveExitRule,
  settledProbability,
  settledRows,
  sweepExitRules,
  sweepSettledRules,
  POLICY_FEATURES,
  type ReadoutRecord,
} from '../../src/snn/index.js';
import { resolveSimulationOptions } from '../../src/snn/simulation-options.js';

test('exit rules read their command-line form back and refuse bad keys, values and bounds with one line', () => {
  const rule = parseExitRule('confidence:0.9,stable:4,min:2');
  assert.deepEqual(rule, { confidence: 0.9, stable: 4, min: 2 });
  assert.deepEqual(parseExitRule(formatExitRule(rule)), rule);
  assert.deepEqual(parseExitRule('margin:1.5,confidence:0.99,mode:any,max:64'), { margin: 1.5, confidence: 0.99, mode: 'any', max: 64 });
  for (const [text, why] of [
    ['confidence:1.5', /confidence must be in \(0, 1\]/],
    ['confidence:0', /confidence must be in/],
    ['margin:-1', /margin must be/],
    ['stable:0', /stable must be a positive integer/],
    ['min:2.5', /min must be a positive integer/],
    ['mode:some', /mode must be "all" or "any"/],
    ['bogus:1', /unknown key "bogus"/],
    ['confidence', /is not key:value/],
    ['confidence:NaN', /must be a number/],
    ['confidence:', /must be a number/],
    ['min:1,min:2', /given twice/],
    ['min:8,max:4', /min \(8\) is after max \(4\)/],
    ['decay:0', /decay must be in \(0, 1\]/],
    ['decay:1.2', /decay must be in \(0, 1\]/],
  ] as const) {
    assert.throws(
      () => parseExitRule(text),
      (e: Error & { code?: string }) => e.code === 'SNN_OPTIONS' && why.test(e.message) && !e.message.includes('\n'),
      text,
    );
  }
  assert.throws(() => resolveExitRule({ max: 40 }, 32), /max \(40\) is after the last step T = 32/);
  // a leaky readout: its decay is part of the rule, and a rule of nothing but a decay still names its T
  const leaky = parseExitRule('confidence:0.5,min:6,max:16,decay:0.85');
  assert.deepEqual(leaky, { confidence: 0.5, min: 6, max: 16, decay: 0.85 });
  assert.equal(formatExitRule(leaky, 64), 'confidence:0.5,min:6,max:16,decay:0.85');
  assert.equal(formatExitRule({ decay: 0.8 }, 64), 'max:64,decay:0.8');
  assert.equal(formatExitRule({ confidence: 0.9, decay: 1 }), 'confidence:0.9');
  assert.equal(resolveExitRule({}, 8).decay, 1);
});

const POLICY = [6.5, -3, -0.06, -0.4, -1.5, 3.2, 0.14, -1.9];

test('a stopping policy travels in the rule as its numbers separated by "/", exactly, and goes with settled', () => {
  const rule = parseExitRule('settled:0.95,policy:6.5/-3/-0.06/-0.4/-1.5/3.2/0.14/-1.9,max:32,decay:0.9');
  assert.deepEqual(rule, { settled: 0.95, policy: POLICY, max: 32, decay: 0.9 });
  assert.equal(formatExitRule(rule, 64), 'settled:0.95,policy:6.5/-3/-0.06/-0.4/-1.5/3.2/0.14/-1.9,max:32,decay:0.9');
  const precise = { settled: 0.9602, policy: [9.35495, -3.8601, -1.79745, -0.41364, -1.45747, 2.03115, 0.441276, -2.91018] };
  assert.deepEqual(parseExitRule(formatExitRule(precise)), precise);
  for (const [text, why] of [
    ['settled:0.9', /settled and policy go together/],
    ['policy:1/2/3/4/5/6/7/8', /settled and policy go together/],
    ['settled:1,policy:1/2/3/4/5/6/7/8', /settled must be in \(0, 1\)/],
    ['settled:0.9,policy:1/2/3', /policy must be 8 finite numbers \(a weight for each of confidence, .*, then the intercept\)/],
    ['settled:0.9,policy:1/2/x/4/5/6/7/8', /policy must be numbers separated by "\/", got "1\/2\/x/],
    ['settled:0.9,policy:1//3/4/5/6/7/8', /policy must be numbers separated/],
  ] as const) {
    assert.throws(
      () => parseExitRule(text),
      (e: Error & { code?: string }) => e.code === 'SNN_OPTIONS' && why.test(e.message) && !e.message.includes('\n'),
      text,
    );
  }
  assert.throws(() => resolveExitRule({ settled: 0.9, policy: 'bad' as never }, 8), /policy must be 8 finite numbers/);
});

test('the stopping policy is σ(w · features + intercept), the features read after step t, and a settled rule fires on it', () => {
  assert.equal(POLICY_FEATURES.length + 1, POLICY.length);
  const [t, c, m, s] = [12, 0.93, 2.5, 4];
  const x = [c, Math.log1p(m), Math.log(s), Math.log(t), c * Math.log(t), Math.log1p(m) * Math.log(t), Math.log(s) * Math.log(t)];
  const p = 1 / (1 + Math.exp(-(POLICY[7] + x.reduce((a, v, j) => a + POLICY[j] * v, 0))));
  assert.ok(Math.abs(settledProbability(POLICY, t, c, m, s) - p) < 1e-15);
  const rule = resolveExitRule({ settled: p - 1e-12, policy: POLICY, min: 2 }, 64);
  assert.equal(exitFires(rule, t, c, m, s), true);
  assert.equal(exitFires({ ...rule, settled: p + 1e-9 }, t, c, m, s), false);
  assert.equal(exitFires({ ...rule, settled: 1e-9 }, 1, c, m, s), false, 'min');
});

test('a rule fires when all (or any) of its conditions hold, never before min and always at max', () => {
  const all = resolveExitRule({ confidence: 0.9, stable: 3, min: 2 }, 16);
  assert.equal(exitFires(all, 1, 1, 5, 9), false, 'min');
  assert.equal(exitFires(all, 2, 0.95, 0, 3), true);
  assert.equal(exitFires(all, 2, 0.95, 0, 2), false, 'stable not yet');
  assert.equal(exitFires(all, 16, 0, 0, 1), true, 'max = T');
  const any = resolveExitRule({ confidence: 0.9, stable: 3, mode: 'any' }, 16);
  assert.equal(exitFires(any, 1, 0.95, 0, 1), true);
  assert.equal(exitFires(any, 1, 0.5, 0, 3), true);
  assert.equal(exitFires(any, 1, 0.5, 0, 2), false);
  const fixed = resolveExitRule({ max: 5 }, 16);
  assert.deepEqual(
    [1, 4, 5].map((t) => exitFires(fixed, t, 1, 9, 9)),
    [false, false, true],
    'without conditions only max stops',
  );
});

test('readout features: the first maximum, softmax of the time-averaged readout, and the margin in its units', () => {
  const out = new Float64Array(3);
  // after t = 2 steps the sums are [4, 4, 2]: mean [2, 2, 1]
  readoutFeatures(Float64Array.from([9, 4, 4, 2]), 1, 3, 2, out);
  assert.equal(out[0], 0, 'first maximum');
  assert.equal(out[2], 0, 'a tie has no margin');
  assert.equal(out[1], Math.fround(1 / (1 + 1 + Math.exp(-1))));
  readoutFeatures(Float64Array.from([0, 6]), 0, 2, 3, out);
  assert.equal(out[0], 1);
  assert.equal(out[2], 2);
  assert.equal(out[1], Math.fround(1 / (1 + Math.exp(-2))));
});

test('a leaky readout weighs Σ β^k over its steps: its features are those of its weighted time average', () => {
  assert.equal(readoutWeight(1, 7), 7);
  assert.ok(Math.abs(readoutWeight(0.5, 3) - 1.75) < 1e-15);
  // three steps of the same output y = [2, 0] read through β = 0.5: R = 1.75 · y
  const out = new Float64Array(3);
  readoutFeatures(Float64Array.from([3.5, 0]), 0, 2, readoutWeight(0.5, 3), out);
  assert.equal(out[2], 2, 'margin of the weighted average = that of one step');
  assert.equal(out[1], Math.fround(1 / (1 + Math.exp(-2))));
});

test('a rule that can stop a sample before T runs in chunks of 4 steps; a decay alone keeps the chunks of 16', () => {
  const chunk = (exit?: Parameters<typeof formatExitRule>[0]) => resolveSimulationOptions({ steps: 64, exit }).chunk;
  assert.deepEqual(
    [
      chunk(),
      chunk({ confidence: 0.9 }),
      chunk({ stable: 2, decay: 0.8 }),
      chunk({ max: 32, decay: 0.8 }),
      chunk({ decay: 0.8 }),
      chunk({ max: 64 }),
    ],
    [16, 4, 4, 4, 16, 16],
  );
});

test('exit-step statistics: mean, median and 95th percentile of a histogram', () => {
  const h = new Float64Array(11);
  h[2] = 5;
  h[3] = 3;
  h[10] = 2;
  assert.deepEqual(exitStatistics(h), { meanSteps: (10 + 9 + 20) / 10, medianSteps: 2, p95Steps: 10 });
});

/** A record of T = 4 steps whose samples' top classes and confidences are given per step. */
function record(samples: { label: number; top: number[]; confidence: number[] }[]): ReadoutRecord {
  const T = 4;
  return {
    samples: samples.length,
    steps: T,
    labels: Int32Array.from(samples.map((s) => s.label)),
    top: Uint16Array.from(samples.flatMap((s) => s.top)),
    confidence: Float32Array.from(samples.flatMap((s) => s.confidence)),
    margin: Float32Array.from(samples.flatMap((s) => s.confidence.map((c) => 10 * c))),
  };
}

const RECORD = record([
  // right from step 2 on, confident from step 3
  { label: 1, top: [0, 1, 1, 1], confidence: [0.5, 0.6, 0.95, 0.99] },
  // confident and wrong at step 1, right from step 3
  { label: 2, top: [0, 0, 2, 2], confidence: [0.97, 0.5, 0.6, 0.7] },
  // wrong throughout
  { label: 0, top: [1, 1, 1, 1], confidence: [0.2, 0.3, 0.4, 0.5] },
]);

test('replaying a rule on a record: exit steps, answers kept after exit, and accuracy with a budget of t steps', () => {
  const r = replayExit(RECORD, { confidence: 0.9 });
  assert.deepEqual([...r.exitSteps], [3, 1, 4]);
  assert.deepEqual([...r.histogram], [0, 1, 0, 1, 1]);
  // sample 1 exits wrong at step 1 and stays wrong; sample 0 is right from step 2 and exits at 3
  assert.deepEqual([...r.correct], [0, 1, 1, 1]);
  assert.deepEqual(exitOutcome(RECORD, { confidence: 0.9 }), { accuracy: 1 / 3, meanSteps: 8 / 3 });
  assert.deepEqual(exitOutcome(RECORD, { confidence: 0.9, min: 2 }), { accuracy: 2 / 3, meanSteps: (3 + 4 + 4) / 3 });
  // sample 1's first answer is stable for two steps, and wrong
  assert.deepEqual(exitOutcome(RECORD, { stable: 2 }), { accuracy: 1 / 3, meanSteps: (3 + 2 + 2) / 3 });
});

test('a rule replays only on a record of its own readout decay, and a sweep on a leaky record keeps its decay', () => {
  assert.throws(
    () => replayExit(RECORD, { confidence: 0.9, decay: 0.8 }),
    (e: Error & { code?: string }) => e.code === 'SNN_OPTIONS' && /decay 0\.8; this record holds decay 1/.test(e.message),
  );
  const leaky: ReadoutRecord = { ...RECORD, decay: 0.8 };
  assert.throws(() => exitOutcome(leaky, { confidence: 0.9 }), /decay 1; this record holds decay 0\.8/);
  assert.deepEqual(exitOutcome(leaky, { confidence: 0.9, decay: 0.8 }), exitOutcome(RECORD, { confidence: 0.9 }));
  const points = sweepExitRules(leaky);
  assert.ok(points.length > 0 && points.every((p) => p.rule.endsWith(',decay:0.8')), 'every swept rule reads the leaky readout');
});

test('settled rows: a sample is settled from the step on which its top class stops changing, right or wrong', () => {
  const { x, y } = settledRows(RECORD);
  const F = POLICY_FEATURES.length;
  assert.deepEqual([...y], [0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
  // sample 0 after step 2: class 1 on top for the first time, confidence 0.6, margin 6
  const row = [...x.subarray(1 * F, 2 * F)];
  const c = Math.fround(0.6);
  const m = Math.log1p(Math.fround(6));
  assert.deepEqual(row, [c, m, 0, Math.log(2), c * Math.log(2), m * Math.log(2), 0]);
  // sample 2 is stable for 4 steps at step 4
  assert.equal(x[11 * F + 2], Math.log(4));
});

test('a run whose samples never change their answer gets a policy that calls every step settled', () => {
  const steady: ReadoutRecord = { ...RECORD, top: Uint16Array.from([1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0]) };
  const policy = fitSettledPolicy(steady);
  assert.ok(policy.every(Number.isFinite) && settledProbability(policy, 1, 0.1, 0, 1) > 0.999);
  assert.deepEqual(exitOutcome(steady, { settled: 0.999, policy }), { accuracy: 1, meanSteps: 1 });
});

test('a sweep of settled rules asks each probability, on the readout of its record', () => {
  // T = 4: no budget below T (the smallest is 4 steps)
  const points = sweepSettledRules({ ...RECORD, decay: 0.8 }, POLICY);
  assert.deepEqual(new Set(points.map((p) => p.family)), new Set(['settled']));
  assert.ok(points.every((p) => p.rule.endsWith(',decay:0.8') && p.rule.includes(`policy:${POLICY.join('/')}`)));
  const settled = points.filter((p) => p.family === 'settled').map((p) => parseExitRule(p.rule).settled!);
  assert.ok(settled[0] < 0.5 && settled[settled.length - 1] === 0.999 && settled.every((v, i) => i === 0 || v > settled[i - 1]));
  assert.equal(points.length, 28);
  for (const p of points)
    assert.deepEqual({ accuracy: p.accuracy, meanSteps: p.meanSteps }, exitOutcome({ ...RECORD, decay: 0.8 }, parseExitRule(p.rule)), p.rule);
});

test('the oracle stops each sample once its answer stays right, and a sample wrong at T after one step', () => {
  assert.deepEqual(exitOracle(RECORD), { accuracy: 2 / 3, meanSteps: (2 + 3 + 1) / 3 });
});

test('the Pareto front keeps the points no other beats, and the cheapest point at a target is found', () => {
  const points = [
    { accuracy: 0.9, meanSteps: 10 },
    { accuracy: 0.8, meanSteps: 12 },
    { accuracy: 0.95, meanSteps: 20 },
    { accuracy: 0.7, meanSteps: 4 },
    { accuracy: 0.9, meanSteps: 9 },
  ];
  assert.deepEqual(paretoFront(points), [points[3], points[4], points[2]]);
  assert.equal(fewestStepsAtLeast(points, 0.9), points[4]);
  assert.equal(fewestStepsAtLeast(points, 0.99), undefined);
});

test('the sweep finds confidence from a first step on within a budget where neither alone will do', () => {
  // T = 32. Every sample starts with three confident, wrong steps (class 9). Eight then turn right and confident
  // at step 4; two turn to another wrong class, unconfident, and are right (still unconfident) from step 10.
  const T = 32;
  const fast = { top: [9, 9, 9, ...new Array<number>(T - 3).fill(1)], confidence: [0.999, 0.999, 0.999, ...new Array<number>(T - 3).fill(0.99)] };
  const slow = {
    top: [9, 9, 9, ...new Array<number>(6).fill(5), ...new Array<number>(T - 9).fill(1)],
    confidence: [0.999, 0.999, 0.999, ...new Array<number>(T - 3).fill(0.3)],
  };
  const samples = [...new Array(8).fill(fast), slow, slow] as (typeof fast)[];
  const rec: ReadoutRecord = {
    samples: samples.length,
    steps: T,
    labels: new Int32Array(samples.length).fill(1),
    top: Uint16Array.from(samples.flatMap((x) => x.top)),
    confidence: Float32Array.from(samples.flatMap((x) => x.confidence)),
    margin: Float32Array.from(samples.flatMap((x) => x.confidence.map((c) => 10 * c))),
  };
  const points = sweepExitRules(rec);
  const best = fewestStepsAtLeast(points, 1)!;
  // the fast ones stop at step 4 (min), the slow ones at the budget 12, the first in the grid after step 10
  assert.equal(best.family, 'confidence+min+max');
  assert.deepEqual([best.accuracy, best.meanSteps], [1, (8 * 4 + 2 * 12) / 10]);
  assert.deepEqual(exitOutcome(rec, parseExitRule(best.rule)), { accuracy: best.accuracy, meanSteps: best.meanSteps });
  // alone, a first step lets the slow ones run to T, and a budget with any confidence that skips the noise is fixed T
  const family = (f: string) =>
    fewestStepsAtLeast(
      points.filter((p) => p.family === f),
      1,
    )!.meanSteps;
  assert.equal(family('confidence+min'), (8 * 4 + 2 * 32) / 10);
  assert.equal(family('confidence+max'), 12);
});
