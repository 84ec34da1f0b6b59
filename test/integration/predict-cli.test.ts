/**
 * `msat predict` end to end: the shipped MNIST model on a lossless MNIST PNG, and a `.wav` clip of the official
 * Speech Commands test set through the front-end into the (untrained, PyTorch-exported) speech CNN fixture.
 * Each checks the command's probabilities against the same model run on the same file read through the
 * dataset path (lossless-samples / speech-commands-wav folders), so the file reader and the dataset readers
 * must normalize identically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { annSession, normalizationOf } from '../../src/ann/index.js';
import { loadNetwork } from '../../src/model/index.js';
import { openDataset, type Dataset } from '../../src/data/index.js';
import { Runner } from '../../src/runtime/index.js';
import { DATASETS, FIXTURES, ROOT, runCli } from '../cli-helpers.js';

const lossless = join(DATASETS, 'lossless');
const wavs = join(DATASETS, 'speech-commands-test-wav');

interface PredictJson {
  readonly top: { index: number; name: string; probability: number }[];
}

/** Softmax over the model's output for the first sample of `dataset`: the library path predict must agree with. */
async function probabilitiesOf(model: string, dataset: Dataset): Promise<number[]> {
  const runner = new Runner({ threads: 1 });
  try {
    const session = await annSession(await loadNetwork(model), runner);
    for await (const b of dataset.batches(1)) {
      const logits = Array.from((await session.forward(b.x)).data);
      const max = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b2) => a + b2, 0);
      return e.map((v) => v / sum);
    }
  } finally {
    await runner.dispose();
  }
  throw new Error('empty dataset');
}

test("predict: models/mnist-cnn.onnx reads mnist_00_7.png as a 7, with the dataset path's probabilities", async () => {
  const model = join(ROOT, 'models', 'mnist-cnn.onnx');
  const r = runCli(['predict', '--model', model, '--input', join(lossless, 'mnist_00_7.png'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const { top } = JSON.parse(r.stdout) as PredictJson;
  assert.equal(top.length, 5);
  assert.deepEqual([top[0].index, top[0].name], [7, '7']);
  assert.ok(top[0].probability > 0.99);
  const norm = normalizationOf(await loadNetwork(model))!;
  const expected = await probabilitiesOf(model, await openDataset(join(lossless, 'mnist'), { limit: 1, mean: norm.mean, std: norm.std }));
  for (const p of top) assert.ok(Math.abs(p.probability - expected[p.index]) < 1e-6, `class ${p.index}: ${p.probability} vs ${expected[p.index]}`);
});

test('predict on a .wav: the front-end sample into a [1, 98, 40] model agrees with the WAV dataset path', async () => {
  const model = join(FIXTURES, 'speech_cnn.onnx');
  const clip = join(wavs, 'yes', '022cd682_nohash_0.wav');
  const r = runCli(['predict', '--model', model, '--input', clip, '--top', '12']);
  assert.equal(r.status, 0, r.stderr);
  // Text output: "model ..", "input ..", then " 1. <name>  <probability> %" lines, most likely first. The fixture
  // has no msat.classes metadata, so the names are the output indices.
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 2), [`model  ${model}`, `input  ${clip}`]);
  const top = lines.slice(2).map((line, rank) => {
    const m = /^\s*(\d+)\. (\d+)\s+(\d+\.\d\d) %$/.exec(line);
    assert.ok(m, line);
    assert.equal(Number(m[1]), rank + 1);
    return { index: Number(m[2]), percent: Number(m[3]) };
  });
  assert.equal(top.length, 12);
  assert.deepEqual(
    [...new Set(top.map((p) => p.index))].sort((a, b) => a - b),
    Array.from({ length: 12 }, (_, i) => i),
  );
  const expected = await probabilitiesOf(model, await openDataset(wavs, { limit: 1 }));
  for (const p of top)
    assert.ok(Math.abs(p.percent - 100 * expected[p.index]) <= 0.005 + 1e-9, `class ${p.index}: ${p.percent} % vs ${100 * expected[p.index]} %`);
  for (let k = 1; k < top.length; k++) assert.ok(expected[top[k - 1].index] >= expected[top[k].index], 'ranked by probability');
});

test('predict refuses a model that does not take images, naming it (exit 1)', () => {
  const r = runCli(['predict', '--model', join(FIXTURES, 'text_cnn.onnx'), '--input', join(lossless, 'mnist_00_7.png')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /PREDICT_INPUT: .*text_cnn\.onnx: input input is int64/);
});

test('the shipped speech model hears "yes" in a real WAV clip, and classifies the 1,200 WAVs of the test subset as well as the spectrogram images (≥ 90 %)', () => {
  const model = join(ROOT, 'models', 'speech-commands-cnn.onnx');
  const r = runCli(['predict', '--model', model, '--input', join(wavs, 'yes', '022cd682_nohash_0.wav'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const top = (JSON.parse(r.stdout) as { top: { name: string; probability: number }[] }).top[0];
  assert.equal(top.name, 'yes');
  assert.ok(top.probability > 0.5, r.stdout);
  const e = runCli(['eval', '--model', model, '--data', wavs, '--json']);
  assert.equal(e.status, 0, e.stderr);
  assert.ok((JSON.parse(e.stdout) as { accuracy: number }).accuracy >= 0.9, e.stdout);
});
