// The presets' training recipes: one `msat train` per run, each later run starting from the previous checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PRESETS, findPreset, presetModel, trainingRuns } from '../../src/experiment/index.js';

test('a two-run recipe chains its checkpoints and only the last run writes the model', () => {
  const runs = trainingRuns(findPreset('cifar10-resnet20'), 'm.onnx', 'ck');
  assert.equal(runs.length, 2);
  const [first, second] = runs;
  assert.deepEqual(first.slice(0, 3), ['train', '--arch', 'resnet20']);
  assert.deepEqual(first.slice(-2), ['--checkpoint-dir', join('ck', '1')]);
  assert.ok(!first.includes('--out') && !first.includes('--from'));
  assert.deepEqual(second.slice(-6), ['--from', join('ck', '1'), '--checkpoint-dir', join('ck', '2'), '--out', 'm.onnx']);
  assert.match(
    presetModel(findPreset('cifar10-resnet20'), 'm.onnx', 'ck').trainCommand,
    /^msat train --arch resnet20 .* && msat train .* --from ck\/1 .* --out m\.onnx$/,
  );
});

test('a one-run recipe checkpoints into the folder itself; every shipped model is written with float16 weights', () => {
  assert.deepEqual(trainingRuns(findPreset('mnist-cnn'), 'm.onnx', 'ck')[0].slice(-4), ['--checkpoint-dir', 'ck', '--out', 'm.onnx']);
  for (const p of PRESETS) {
    const last = p.train[p.train.length - 1];
    assert.equal(last[last.indexOf('--weights') + 1], 'float16', p.name);
  }
});
