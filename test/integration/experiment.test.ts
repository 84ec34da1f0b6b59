/**
 * `msat experiment` on the shipped MNIST CNN: the table, provenance, traces, and resuming (a run that stops
 * after some converters continues with the rest and keeps what is on disk; a different set-up is refused).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentResults } from '../../src/experiment/index.js';
import { ROOT, runCli } from '../cli-helpers.js';

const out = join(mkdtempSync(join(tmpdir(), 'msat-exp-')), 'mnist');
const read = (): ExperimentResults => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ExperimentResults;
const common = ['experiment', 'mnist-cnn', '--T', '16', '--every', '200', '--out', out];

test('a run of two converters, resumed with a third, keeps the first results and records provenance', () => {
  const first = runCli([...common, '--converters', 'const-1,det']);
  assert.equal(first.status, 0, first.stderr);
  const before = read();
  assert.deepEqual(
    before.runs.map((r) => r.converter.id),
    ['const-1', 'det'],
  );
  assert.equal(before.provenance.finishedAt !== null, true);

  const second = runCli([...common, '--converters', 'const-1,msat,det']);
  assert.equal(second.status, 0, second.stderr);
  const after = read();
  assert.deepEqual(
    after.runs.map((r) => r.converter.id),
    ['const-1', 'det', 'msat'],
    'preset order',
  );
  assert.deepEqual(after.runs[0], before.runs[0], 'θ = λ was not simulated again');
  assert.match(second.stdout, /\| MSAT DTT\+DET \|/);
  assert.ok(existsSync(join(out, 'table.md')) && existsSync(join(out, 'snn.json')));

  const p = after.provenance;
  assert.equal(after.T, 16);
  assert.equal(p.dataset.samples, 50);
  assert.match(p.dataset.sha256, /^[0-9a-f]{64}$/);
  assert.match(p.model.sha256, /^[0-9a-f]{64}$/);
  assert.ok(p.machine.cores >= 1 && p.machine.onnxruntime !== 'unknown' && p.wallSeconds > 0);
  assert.ok(after.annAccuracy > 0.95);
  for (const run of after.runs) {
    assert.equal(run.report.accuracyPerStep.length, 16);
    assert.ok(run.traces.length >= 3 && run.traces.every((t) => t.membrane.length === 16 && t.threshold.length === 16));
  }
});

test('resuming with a different set-up is refused with a clear error', () => {
  const r = runCli([...common.map((a) => (a === '16' ? '32' : a)), '--converters', 'const-1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /EXPERIMENT_RESUME: .*results\.json holds results of a different set-up \(T: 16 there, 32 now\)/);
});

test('an unknown preset or converter is a one-line error', () => {
  assert.match(runCli(['experiment', 'cifar1000']).stderr, /EXPERIMENT_PRESET: no preset "cifar1000"; presets: mnist-cnn, /);
  assert.match(runCli([...common, '--converters', 'magic']).stderr, /EXPERIMENT_OPTIONS: unknown converter "magic"/);
});

test("msat demo compares θ = λ, the authors' MSAT, the shipped tuned MSAT and it with early exit, and writes the report (fresh results on every run)", () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'msat-demo-')), 'demo');
  for (let i = 0; i < 2; i++) {
    const r = runCli(['demo', '--every', '200', '--T', '16', '--out', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ANN accuracy \d+\.\d\d % on 50 samples of mnist \(test\)/);
    assert.match(r.stdout, /θ = λ[\s\S]*MSAT DTT\+DET[\s\S]*tuned MSAT DTT\+DET[\s\S]*tuned MSAT DTT\+DET \+ exit +[\d. ]+mean \d+\.\d/);
    assert.match(r.stdout, new RegExp(`report: ${join(dir, 'report.html').replace(/[.]/g, '\\.')}`));
    assert.match(r.stdout, new RegExp(`next: msat report ${dir.replace(/[.]/g, '\\.')}`));
  }
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ExperimentResults;
  assert.deepEqual(
    results.runs.map((r) => r.converter.id),
    ['const-1', 'msat', 'tuned', 'tuned-exit'],
  );
  const [constant, authors, tuned] = results.runs.map((r) => r.report.stepsToAnnMinus1 ?? Infinity);
  assert.ok(tuned < constant && tuned < authors, `tuned MSAT reaches ANN − 1 % first: ${tuned} vs θ = λ ${constant}, authors' ${authors}`);
  // the tuned file's exit rule: the samples stop on their own, within the run's T
  const exit = results.runs[3].report.exit!;
  assert.equal(results.runs[3].converter.exit, 'stable:2');
  assert.ok(exit.meanSteps >= 1 && exit.meanSteps < 16, `mean exit step ${exit.meanSteps}`);
  assert.ok(existsSync(join(dir, 'figures', 'accuracy.svg')));
});

test('--tuned adds the converter of a tuned SNN file; another tuned file is simulated again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-exp-tuned-'));
  const tune = (seed: string) =>
    runCli([
      'tune',
      '--model',
      join(ROOT, 'models', 'mnist-cnn.onnx'),
      '--data',
      'mnist',
      '--T',
      '16',
      '--check-T',
      '32',
      '--budget',
      '4',
      '--samples',
      '48',
      '--min-samples',
      '16',
      '--seed',
      seed,
      '--out',
      join(dir, `tuned-${seed}.json`),
    ]);
  assert.equal(tune('1').status, 0);
  const args = ['experiment', 'mnist-cnn', '--T', '16', '--every', '200', '--out', join(dir, 'exp'), '--converters', 'const-1,tuned'];
  const first = runCli([...args, '--tuned', join(dir, 'tuned-1.json')]);
  assert.equal(first.status, 0, first.stderr);
  const runs = () => (JSON.parse(readFileSync(join(dir, 'exp', 'results.json'), 'utf8')) as ExperimentResults).runs;
  const tuned = runs().find((r) => r.converter.id === 'tuned')!;
  assert.match(tuned.converter.label, /^tuned /);
  assert.ok(tuned.converter.snn?.path.endsWith('tuned-1.json'));
  assert.match(first.stdout, /\| tuned /);

  assert.equal(tune('2').status, 0);
  const second = runCli([...args, '--tuned', join(dir, 'tuned-2.json')]);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(
    runs().map((r) => r.converter.id),
    ['const-1', 'tuned'],
  );
  assert.ok(runs()[1].converter.snn?.path.endsWith('tuned-2.json'));
});

test('imdb-textcnn: the shipped text CNN converts with the embedding output as analog input and spikes through conv1d and LIPool over time', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'msat-exp-imdb-')), 'imdb');
  const r = runCli(['experiment', 'imdb-textcnn', '--T', '8', '--every', '1250', '--converters', 'const-1', '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ExperimentResults;
  assert.equal(results.provenance.dataset.samples, 20);
  assert.ok(results.annAccuracy >= 0.75, `ANN ${results.annAccuracy} on 20 reviews`);
  const report = results.runs[0].report;
  assert.deepEqual(
    report.layers.map((l) => l.layer),
    ['relu3', 'relu4', 'relu5'],
  );
  assert.ok(report.layers.every((l) => l.firingRate > 0));
  assert.ok(report.coverage.includes('embedding'), report.coverage);
});
