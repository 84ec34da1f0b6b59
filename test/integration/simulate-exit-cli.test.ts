/**
 * `msat simulate --exit` from the command line on the shipped MNIST CNN (every 100th test image, T = 16): the JSON
 * report's exit fields agree with each other and with the accuracy per step, the text output says what the rule
 * gave, a bad rule is one SNN_OPTIONS line and nothing else, and `--out` with a rule writes results that
 * `msat report` renders with the early-exit charts and table.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../src/experiment/index.js';
import type { SimulationReport } from '../../src/pipeline/index.js';
import { runCli } from '../cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'msat-simulate-exit-'));
after(() => rmSync(root, { recursive: true, force: true }));

const T = 16;
const RULE = 'confidence:0.95,min:2';
const ARGS = ['simulate', '--model', 'models/mnist-cnn.onnx', '--data', 'mnist', '--every', '100', '-T', String(T), '--method', 'const'];

test('--exit --json: every sample exits between min and T, the histogram counts every sample, accuracy with exit is the accuracy at T', () => {
  const run = runCli([...ARGS, '--exit', RULE, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const r = JSON.parse(run.stdout) as SimulationReport;
  const e = r.exit;
  assert.ok(e, 'the report has an exit section');
  assert.equal(r.exitSweep, null, 'a run with an exit rule is not swept');
  assert.equal(r.samples, 100);
  assert.ok(e.rule.startsWith(RULE), e.rule);
  assert.equal(e.histogram.length, T + 1, 'one count per exit step 0..T');
  assert.equal(
    e.histogram.reduce((a, n) => a + n, 0),
    r.samples,
    'every sample exits once',
  );
  assert.deepEqual(e.histogram.slice(0, 2), [0, 0], 'none before min:2');
  const mean = e.histogram.reduce((a, n, t) => a + n * t, 0) / r.samples;
  assert.ok(Math.abs(e.meanSteps - mean) < 1e-9, `mean ${e.meanSteps} vs histogram ${mean}`);
  assert.ok(e.meanSteps >= 2 && e.meanSteps < T, `mean exit step ${e.meanSteps}`);
  assert.ok(e.medianSteps >= 2 && e.medianSteps <= e.p95Steps && e.p95Steps <= T, `median ${e.medianSteps}, 95 % by ${e.p95Steps}`);
  assert.ok(e.computedSteps >= e.meanSteps && e.computedSteps <= T, `computed ${e.computedSteps}`);
  assert.equal(r.accuracyPerStep.length, T);
  assert.equal(e.accuracy, r.accuracyPerStep[T - 1], 'accuracy with exit = accuracy with a budget of T steps');
  assert.ok(e.accuracy > 0.9, `accuracy with exit ${e.accuracy}`);
});

test('--exit --out: the text says what the rule gave, and msat report renders the results with the early-exit charts and table', async () => {
  const out = join(root, 'run');
  const run = runCli([...ARGS, '--exit', RULE, '--out', out]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^early exit +${RULE}`, 'm'));
  assert.match(run.stdout, /^accuracy with exit +\d+\.\d\d % after \d+\.\d steps on average \(median \d+, 95 % by \d+; \d+\.\d computed\)$/m);
  assert.match(run.stdout, /render them with: msat report/);
  // the results keep the exit report; the traced sample ran until it exited
  const [written] = (await readResults(out)).runs;
  assert.equal(written.report.exit?.histogram.length, T + 1);
  assert.equal(written.report.exitSweep, null);
  assert.ok(written.traces.length > 0 && written.traces.every((tr) => tr.membrane.length >= 1 && tr.membrane.length <= T));
  const report = join(root, 'report');
  const rendered = runCli(['report', out, '--out', report]);
  assert.equal(rendered.status, 0, rendered.stderr);
  assert.match(rendered.stdout, /wrote .*report\.html/);
  const html = readFileSync(join(report, 'report.html'), 'utf8');
  for (const id of ['fig-accuracy-steps', 'fig-exit-steps']) assert.ok(html.includes(`id="${id}"`), id);
  for (const f of ['accuracy-steps', 'exit-steps'])
    for (const ext of ['svg', 'png']) assert.ok(existsSync(join(report, 'figures', `${f}.${ext}`)), `${f}.${ext}`);
  assert.match(html, /<h3>Early exit<\/h3>/);
  assert.ok(html.includes(`<code>${RULE}`), 'the exit table names the rule');
  assert.ok(readFileSync(join(report, 'figures', 'accuracy-steps.svg'), 'utf8').includes('>run with an exit rule<'));
});

test('a bad exit rule is one SNN_OPTIONS line, before any work', () => {
  for (const [rule, why] of [
    ['confidence:2', /confidence must be in \(0, 1\], got 2/],
    ['bogus:1', /unknown key "bogus"/],
  ] as const) {
    const run = runCli([...ARGS, '--exit', rule]);
    assert.notEqual(run.status, 0, rule);
    assert.equal(run.stdout, '', rule);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${rule}: ${run.stderr}`);
    assert.match(lines[0], /^msat: SNN_OPTIONS: /, rule);
    assert.match(lines[0], why, rule);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `${rule}: no stack trace`);
  }
});

test('--exit snn of a rule chosen on the test samples besides every 10th: refused on every 5th, run on every 100th', () => {
  const file = JSON.parse(readFileSync('models/mnist-cnn.tuned.snn.json', 'utf8'));
  file.options.exit = RULE;
  file.options.exitChosenOn = { split: 'test', leftOutEvery: 10, samples: 1000, level: 0.9 };
  const snn = join(root, 'chosen-on-test.snn.json');
  writeFileSync(snn, JSON.stringify(file));
  const base = ['simulate', '--model', 'models/mnist-cnn.onnx', '--snn', snn, '--data', 'mnist', '-T', '4', '--exit', 'snn'];
  const refused = runCli([...base, '--every', '5']);
  assert.notEqual(refused.status, 0);
  assert.match(
    refused.stderr.trim(),
    /^msat: SNN_OPTIONS: .*chosen-on-test\.snn\.json: its exit rule was chosen on test samples besides every 10th; every 5th would score/,
  );
  const run = runCli([...base, '--every', '100', '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.ok((JSON.parse(run.stdout) as SimulationReport).exit!.rule.startsWith(RULE));
});
