/**
 * `msat eval` on a model that overflows float32 on most MNIST digits (the MNIST CNN with its readout weights
 * scaled by 3e37): the samples with NaN or infinite outputs are reported, in the JSON and in the text, and
 * count as wrong rather than as whatever an argmax over NaN gives.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetwork, networkToOnnxBytes, type Network } from '../../src/model/index.js';
import { ROOT, runCli } from '../cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-eval-non-finite-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('msat eval reports the samples whose outputs are NaN or infinite and counts them as wrong', async () => {
  const network = await loadNetwork(join(ROOT, 'models', 'mnist-cnn.onnx'));
  const layers = network.layers.map((l) =>
    l.kind === 'linear' && l.name === 'fc2' ? { ...l, weight: { ...l.weight, data: l.weight.data.map((w) => w * 3e37) } } : l,
  );
  const model = join(tmp, 'overflowing.onnx');
  writeFileSync(model, networkToOnnxBytes({ ...network, layers } as Network));
  const args = ['eval', '--model', model, '--data', 'mnist', '--limit', '100', '--mean', '0.1307', '--std', '0.3081'];

  const json = runCli([...args, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const r = JSON.parse(json.stdout) as { samples: number; correct: number; nonFinite: number; accuracy: number };
  assert.equal(r.samples, 100);
  assert.ok(r.nonFinite > 0 && r.nonFinite < 100, `some but not all outputs overflow: ${json.stdout}`);
  assert.ok(r.correct <= r.samples - r.nonFinite, json.stdout);
  assert.equal(r.accuracy, r.correct / r.samples);

  const text = runCli(args);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^accuracy  .* \\(${r.correct} / 100\\)$`, 'm'));
  assert.match(text.stdout, new RegExp(`^non-finite ${r.nonFinite} samples gave NaN or infinite outputs \\(counted as wrong\\)$`, 'm'));
});
