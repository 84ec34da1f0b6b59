/**
 * Early exit on the MNIST CNN that ships in models/ and the MNIST test set: a run with an exit rule decides
 * exactly what the rule decides when replayed on a full run's readout record, stops counting a sample's
 * spikes at its exit, and does not depend on the number of workers; a leaky readout is the plain one's
 * per-step outputs integrated with decay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Runner } from '../../src/runtime/index.js';
import { simulateModel, type SimulateModelOptions } from '../../src/pipeline/index.js';
import {
  BatchSimulator,
  exitOutcome,
  fitSettledPolicy,
  parseExitRule,
  recordWithDecay,
  replayExit,
  settledProbability,
  settledRows,
  sweepSettledRules,
  POLICY_FEATURES,
  SETTLED_POLICY_RIDGE,
  type ExitRule,
  type ReadoutRecord,
  type SimulationOptions,
} from '../../src/snn/index.js';
import { convertModel } from '../../src/pipeline/index.js';
import { openDataset } from '../../src/data/index.js';
import { ROOT } from '../cli-helpers.js';

const MODEL = join(ROOT, 'models', 'mnist-cnn.onnx');
const T = 24;

async function run(options: Omit<SimulateModelOptions, 'runner' | 'model' | 'data' | 'steps'>) {
  const runner = new Runner({ threads: 2 });
  try {
    return await simulateModel({ model: MODEL, data: 'mnist', runner, every: 50, steps: T, neuron: { method: 'const' }, ...options });
  } finally {
    await runner.dispose();
  }
}

/**
 * The full run's readout record, taken from the simulator directly (the report keeps only the sweep), read
 * through `exit` (a rule of nothing but a decay: no sample stops early); `outputs`: keep every step's output;
 * `onReadout`: every step's readout.
 */
async function fullRecord(
  encoding: 'direct' | 'poisson',
  more: Pick<SimulationOptions, 'exit' | 'onReadout' | 'recordOutputs'> = {},
): Promise<ReadoutRecord> {
  const runner = new Runner({ threads: 2 });
  try {
    const converted = await convertModel({ model: MODEL, data: 'mnist', thresholds: { kind: 'calibrate', samples: 200 }, runner });
    const dataset = await openDataset('mnist', { split: 'test', every: 50, ...converted.dataOptions });
    const sim = new BatchSimulator(converted.network, converted.lambdas, runner, {
      steps: T,
      encoding,
      recordReadout: true,
      compareWithAnn: false,
      ...more,
    });
    let first = 0;
    for await (const b of dataset.batches(64)) {
      await sim.run(b.x, b.labels, first);
      first += b.labels.length;
    }
    await sim.dispose();
    return sim.result(0).readoutRecord!;
  } finally {
    await runner.dispose();
  }
}

test('a run with an exit rule decides what the rule decides when replayed offline on a full run, step by step', async () => {
  for (const encoding of ['direct', 'poisson'] as const) {
    const record = await fullRecord(encoding);
    const rules: ExitRule[] = [
      { confidence: 0.95, min: 2 },
      { stable: 3, margin: 2, mode: 'any' },
      { settled: 0.9, policy: fitSettledPolicy(record) },
    ];
    // the sweep of settled rules is what replaying each of them gives
    for (const p of sweepSettledRules(record, rules[2].policy!))
      assert.deepEqual({ accuracy: p.accuracy, meanSteps: p.meanSteps }, exitOutcome(record, parseExitRule(p.rule)), p.rule);
    for (const exit of rules) {
      const online = await run({ encoding, exit });
      const offline = replayExit(record, exit);
      assert.equal(online.samples, record.samples);
      assert.deepEqual(online.exit!.histogram, [...offline.histogram], `${encoding} ${JSON.stringify(exit)}: exit steps`);
      assert.deepEqual(
        online.accuracyPerStep,
        [...offline.correct].map((c) => c / record.samples),
        `${encoding} ${JSON.stringify(exit)}: accuracy with a budget of t steps`,
      );
      const mean = offline.exitSteps.reduce((a, e) => a + e, 0) / record.samples;
      assert.ok(Math.abs(online.exit!.meanSteps - mean) < 1e-12);
      assert.ok(online.exit!.meanSteps < T && online.exit!.computedSteps >= online.exit!.meanSteps);
    }
  }
});

test('the stopping policy fitted on a run is the most likely one (with its ridge): every weight moved either way makes it worse', async () => {
  const record = await fullRecord('direct');
  const policy = fitSettledPolicy(record);
  const { x, y } = settledRows(record);
  const F = POLICY_FEATURES.length;
  const T = record.steps;
  // the ridge weighs each weight by its feature's standard deviation over the rows
  const sd = Array.from({ length: F }, (_, j) => {
    const v = Array.from({ length: y.length }, (_, r) => x[r * F + j]);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  });
  // − log-likelihood per row plus the ridge, the features rebuilt from x: confidence, log(1 + margin), log(stable), log t
  const loss = (w: readonly number[]) => {
    let sum = 0;
    for (let j = 0; j < F; j++) sum += (SETTLED_POLICY_RIDGE / 2) * (w[j] * sd[j]) ** 2 * y.length;
    for (let r = 0; r < y.length; r++) {
      const f = x.subarray(r * F, (r + 1) * F);
      const p = settledProbability(w, (r % T) + 1, f[0], Math.expm1(f[1]), Math.exp(f[2]));
      sum -= y[r] ? Math.log(p) : Math.log(1 - p);
    }
    return sum / y.length;
  };
  const best = loss(policy);
  assert.ok(y.some((v) => v === 0) && y.some((v) => v === 1), 'both kinds of rows');
  for (let j = 0; j <= F; j++)
    for (const sign of [-1, 1]) {
      const moved = policy.map((w, k) => (k === j ? w + sign * (0.02 * Math.abs(w) + 0.01) : w));
      assert.ok(loss(moved) > best, `weight ${j} moved by ${sign}`);
    }
  // and it tells settled rows from the others far better than chance
  const p = Array.from(y, (_, r) => settledProbability(policy, (r % T) + 1, x[r * F], Math.expm1(x[r * F + 1]), Math.exp(x[r * F + 2])));
  const mean = (v: number) => p.reduce((a, q, r) => a + (y[r] === v ? q : 0), 0) / y.reduce((a, q) => a + (q === v ? 1 : 0), 0);
  assert.ok(mean(1) > mean(0) + 0.3, `${mean(1)} vs ${mean(0)}`);
});

test("a leaky readout answers with the argmax of β·R(t−1) + y(t), y the plain run's per-step output, and exits as its replay decides", async () => {
  const decay = 0.8;
  // the plain run's sums after every step, per sample: y(t) = O(t) − O(t − 1)
  const sums: Float64Array[][] = [];
  const plain = await fullRecord('direct', {
    recordOutputs: true,
    onReadout: (step, s, labels, first) => {
      const C = s.length / labels.length;
      for (let i = 0; i < labels.length; i++) (sums[first + i] ??= [])[step] = s.slice(i * C, (i + 1) * C);
    },
  });
  const correct = new Array<number>(T).fill(0);
  sums.forEach((steps, i) => {
    let r = new Float64Array(steps[0].length);
    steps.forEach((o, t) => {
      r = r.map((v, c) => decay * v + o[c] - (t > 0 ? steps[t - 1][c] : 0));
      if (r.indexOf(Math.max(...r)) === plain.labels[i]) correct[t]++;
    });
  });
  const leaky = await run({ exit: { decay } });
  assert.deepEqual(leaky.exit!.histogram.slice(0, T), new Array(T).fill(0), 'a rule of nothing but a decay stops nobody early');
  assert.deepEqual(
    leaky.accuracyPerStep,
    correct.map((c) => c / plain.samples),
  );
  assert.notDeepEqual(correct, [...replayExit(plain, {}).correct], 'the leaky readout answers otherwise than the plain sum');
  // exits on the leaky readout: what a replay on a leaky full run's record decides, and that record is the
  // plain run's outputs read through the decay, bit for bit
  const record = await fullRecord('direct', { exit: { decay } });
  assert.equal(record.decay, decay);
  assert.deepEqual(recordWithDecay(plain, decay), record);
  assert.deepEqual({ ...recordWithDecay(plain, 1), outputs: plain.outputs }, plain, 'decay 1 gives back the plain record');
  const exit = { confidence: 0.9, min: 2, decay };
  const online = await run({ exit });
  const offline = replayExit(record, exit);
  assert.deepEqual(online.exit!.histogram, [...offline.histogram]);
  assert.deepEqual(
    online.accuracyPerStep,
    [...offline.correct].map((c) => c / record.samples),
  );
});

test('a sample that has exited adds no synaptic operations after its exit step', async () => {
  const full = await run({ sweepExit: false });
  // everyone stops after 10 steps: the first 10 steps are the full run's, the rest nothing
  const capped = await run({ exit: { max: 10 } });
  assert.deepEqual(capped.sopPerStep.slice(0, 10), full.sopPerStep.slice(0, 10));
  assert.ok(capped.sopPerStep.slice(10).every((s) => s === 0));
  assert.equal(capped.exit!.meanSteps, 10);
  // the analog first layer runs 10 steps, not T
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const expected = ((10 * full.analogMacsPerStep * 4.6 + sum(capped.sopPerStep) * 0.9) * 1e-12) / capped.energyPerSampleJ;
  assert.ok(Math.abs(expected - 1) < 1e-9, `energy counts 10 analog steps (${expected})`);
  // samples exiting at different steps: never more operations at a step than the full run, none after the last exit
  const confident = await run({ exit: { confidence: 0.9 } });
  const last = confident.exit!.histogram.reduce((at, n, t) => (n > 0 ? t : at), 0);
  confident.sopPerStep.forEach((s, t) => assert.ok(s <= full.sopPerStep[t] * (1 + 1e-12), `step ${t + 1}`));
  assert.ok(confident.sopPerStep.slice(last).every((s) => s === 0));
  assert.ok(confident.energyPerSampleJ < full.energyPerSampleJ);
});

test('early exit with Poisson input gives the same exits and accuracy on two workers as on one', async () => {
  const exit = { confidence: 0.9, stable: 2 };
  const one = await run({ encoding: 'poisson', exit, batchSize: 32 });
  const two = await run({ encoding: 'poisson', exit, batchSize: 32, workers: 2 });
  assert.deepEqual(two.exit!.histogram, one.exit!.histogram);
  assert.deepEqual(two.accuracyPerStep, one.accuracyPerStep);
  assert.deepEqual(two.sopPerStep, one.sopPerStep);
});
