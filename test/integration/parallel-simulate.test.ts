/**
 * Sample-parallel simulation (`simulate` with `workers: 2`, single-threaded sessions per worker) against the
 * one-thread path (`workers: 1` on a 2-thread runner, so its micro-batches differ too), on the MNIST CNN of
 * models/ and 100 MNIST test samples in batches of 32 (the last one of 4). Accuracy per step, spikes per step
 * and SIN counts are equal exactly, with direct input and with Poisson input plus spike confidence; the rate
 * correlation, a float sum merged in another order, to 1e-9. A worker's error rejects with its MsatError.
 * Most of the time goes to compiling chunk graphs (in each worker too), so T = 8 in chunks of 4.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { openDataset, type Dataset } from '../../src/data/index.js';
import { convertModel, type ConvertedModel } from '../../src/pipeline/index.js';
import { neuronDynamics, DEFAULT_NEURON_CONFIG } from '../../src/snn/index.js';
import { Runner } from '../../src/runtime/index.js';
import { simulate, type SimulationOptions, type SimulationResult } from '../../src/snn/index.js';
import { ROOT } from '../cli-helpers.js';

const MODEL = join(ROOT, 'models', 'mnist-cnn.onnx');
const runner = new Runner({ threads: 2 });
let converted: ConvertedModel;
let dataset: Dataset;

before(async () => {
  converted = await convertModel({ model: MODEL, data: 'mnist', thresholds: { kind: 'calibrate', samples: 64 }, runner });
  dataset = await openDataset('mnist', { every: 100, ...converted.dataOptions });
});
after(() => runner.dispose());

const run = (options: Omit<SimulationOptions, 'steps' | 'chunk' | 'batchSize'>) =>
  simulate(converted.network, converted.lambdas, dataset, runner, { steps: 8, chunk: 4, batchSize: 32, ...options });

function assertSameResults(one: SimulationResult, two: SimulationResult): void {
  assert.equal(two.samples, 100);
  assert.equal(two.samples, one.samples);
  assert.equal(two.annAccuracy, one.annAccuracy);
  assert.deepEqual([...two.accuracyPerStep], [...one.accuracyPerStep]);
  two.layers.forEach((l, i) => {
    const m = one.layers[i];
    assert.equal(l.layer, m.layer);
    assert.deepEqual([...l.ratePerStep], [...m.ratePerStep], `${l.layer}: spikes per step`);
    assert.deepEqual(l.sin, m.sin, `${l.layer}: SIN counts`);
    assert.ok(Math.abs(l.rateCorrelation - m.rateCorrelation) < 1e-9, `${l.layer}: rate correlation ${l.rateCorrelation} vs ${m.rateCorrelation}`);
  });
}

test('2 workers measure what 1 thread measures: θ = λ, direct input, traces of the first sample; onProgress at the start and per batch', async () => {
  const options = { dynamics: neuronDynamics({ ...DEFAULT_NEURON_CONFIG, method: 'const' }), traceNeurons: 2 };
  const one = await run(options);
  const seen: [number, number][] = [];
  const two = await run({ ...options, workers: 2, onProgress: (done, total) => seen.push([done, total]) });
  assertSameResults(one, two);
  assert.ok(one.layers.every((l) => l.firingRate > 0) && one.accuracyPerStep[7] > 0.5, 'the network spikes and classifies');
  assert.equal(two.traces.length, 2 * two.layers.length);
  assert.deepEqual(two.traces, one.traces);
  // the start (0 done), then one call per batch
  assert.equal(seen.length, 5);
  assert.deepEqual(seen[0], [0, 100]);
  assert.deepEqual(seen[4], [100, 100]);
  assert.ok(
    seen.every(([d], i) => i === 0 || d > seen[i - 1][0]),
    'done grows',
  );
});

test('2 workers measure what 1 thread measures: MSAT DTT+DET, Poisson input with spike confidence (draws seeded per sample)', async () => {
  const confidence = new Map(converted.plan.spiking.map((s) => [s.name, 0.8]));
  const options = { dynamics: neuronDynamics({ ...DEFAULT_NEURON_CONFIG, method: 'msat' }), encoding: 'poisson' as const, seed: 7, confidence };
  const one = await run(options);
  const two = await run({ ...options, workers: 2 });
  assertSameResults(one, two);
});

test("a worker's error rejects simulate with the worker's MsatError, and no worker keeps the process alive", async () => {
  const lambdas = new Map(converted.lambdas);
  const missing = converted.plan.spiking[1].name;
  lambdas.delete(missing);
  await assert.rejects(
    simulate(converted.network, lambdas, dataset, runner, { steps: 8, chunk: 4, batchSize: 32, workers: 2 }),
    (e) => isMsatError(e) && e.code === 'SNN_NETWORK' && e.message.includes(`relu "${missing}" has no threshold`),
  );
  await assert.rejects(run({ workers: 0 }), (e) => isMsatError(e) && e.code === 'SNN_OPTIONS' && /workers/.test(e.message));
});
