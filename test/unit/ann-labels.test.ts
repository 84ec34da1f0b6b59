/** A dataset whose labels the model cannot output is refused before any evaluation, not counted as wrong answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertLabelsFit } from '../../src/ann/index.js';
import { arrayDataset } from '../../src/data/index.js';
import { loadNetwork } from '../../src/model/index.js';
import { ROOT } from '../cli-helpers.js';

test('labels 0..9 fit the 10-output MNIST CNN; a label of 10 or 200 is EVAL_INPUTS naming the sample, label and output count', async () => {
  const network = await loadNetwork(join(ROOT, 'models', 'mnist-cnn.onnx'));
  const data = (labels: number[]) => arrayDataset({ x: new Float32Array(labels.length * 784), sampleShape: [1, 28, 28], labels, name: 'digits' });
  assertLabelsFit(network, data([0, 9, 3]));
  assert.throws(
    () => assertLabelsFit(network, data([0, 10])),
    /EVAL_INPUTS|digits: sample 1 has label 10 \(11 classes in the data\), but .*mnist-cnn\.onnx has 10 outputs/,
  );
  assert.throws(() => assertLabelsFit(network, data([200])), /sample 0 has label 200/);
});
