/**
 * `msat choose-exit` on the shipped tuned MNIST SNN file: the rule is chosen on test images besides every 10th
 * (MNIST has no validation split, so `auto` takes them), written into a copy of the file with where it was chosen,
 * and `msat simulate --exit snn` runs it on every 10th test image, the images the choice left out.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulationReport } from '../../src/pipeline/index.js';
import type { ExitChoice } from '../../src/tune/index.js';
import { runCli } from '../cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'msat-choose-exit-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('choose-exit: chosen on test images besides every 10th, written with where it was chosen, run on every 10th', () => {
  const out = join(root, 'exit.snn.json');
  const base = ['--model', 'models/mnist-cnn.onnx', '--data', 'mnist'];
  const run = runCli([
    'choose-exit',
    ...base,
    '--snn',
    'models/mnist-cnn.tuned.snn.json',
    '--exit-samples',
    '300',
    '-T',
    '16',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(run.status, 0, run.stderr);
  const choice = JSON.parse(run.stdout) as ExitChoice;
  assert.deepEqual([choice.split, choice.leftOutEvery, choice.samples, choice.T, choice.level], ['test', 10, 300, 16, 0.9]);
  assert.ok(choice.rule, 'MNIST settles well within 16 steps');
  assert.ok(choice.accuracyBound! >= choice.target - 1e-9 && choice.accuracyBound! <= choice.accuracy!);
  const written = JSON.parse(readFileSync(out, 'utf8'));
  const original = JSON.parse(readFileSync('models/mnist-cnn.tuned.snn.json', 'utf8'));
  assert.equal(written.options.exit, choice.rule);
  assert.deepEqual(written.options.exitChosenOn, { split: 'test', leftOutEvery: 10, samples: 300, level: 0.9 });
  assert.deepEqual(
    { ...written, options: { ...written.options, exit: undefined, exitChosenOn: undefined } },
    {
      ...original,
      options: { ...original.options, exit: undefined, exitChosenOn: undefined },
    },
  );

  const sim = runCli(['simulate', ...base, '--snn', out, '--exit', 'snn', '--every', '10', '-T', '16', '--json']);
  assert.equal(sim.status, 0, sim.stderr);
  assert.equal((JSON.parse(sim.stdout) as SimulationReport).exit!.rule.split(',')[0], choice.rule!.split(',')[0]);
  const refused = runCli(['simulate', ...base, '--snn', out, '--exit', 'snn', '-T', '16']);
  assert.match(refused.stderr, /^msat: SNN_OPTIONS: .*every sample would score samples it was chosen on/);
});
