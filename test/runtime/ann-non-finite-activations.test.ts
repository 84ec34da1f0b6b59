// MNIST samples scaled to 1e38 are finite inputs that overflow float32 inside the MNIST CNN (its first ReLU
// already holds Infinity): calibration refuses them naming the ReLU and the sample, and evaluation counts their
// outputs as non-finite (no class, never correct) instead of scoring an argmax over NaN.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateAnn } from '../../src/ann/index.js';
import { isMsatError } from '../../src/core/index.js';
import { calibrate } from '../../src/convert/index.js';
import { arrayDataset, openDataset, type Dataset } from '../../src/data/index.js';
import { loadNetwork } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';
import { ROOT } from '../cli-helpers.js';

const runner = new Runner({ threads: 2 });
after(() => runner.dispose());

/** The first 8 MNIST test digits, normalised, with samples `scaled` multiplied by 1e38. */
async function digits(scaled: readonly number[]): Promise<Dataset> {
  const mnist = await openDataset('mnist', { limit: 8, mean: [0.1307], std: [0.3081] });
  const x = new Float32Array(8 * 784);
  for await (const b of mnist.batches(8)) x.set(b.x.data);
  for (const s of scaled) for (let i = s * 784; i < (s + 1) * 784; i++) x[i] *= 1e38;
  return arrayDataset({ x, sampleShape: [1, 28, 28], labels: mnist.labels(), name: 'scaled digits' });
}

test('calibrating on inputs that overflow the ANN is CONVERT_NAN naming the ReLU and the first such sample', async () => {
  const network = await loadNetwork(join(ROOT, 'models', 'mnist-cnn.onnx'));
  await assert.rejects(calibrate(network, await digits([5, 6]), runner, { batchSize: 4 }), (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'CONVERT_NAN');
    assert.match(e.message, /^relu "relu1": activation \d+ of calibration sample 5 is (Infinity|NaN);/);
    return true;
  });
  // the same digits unscaled calibrate
  const ok = await calibrate(network, await digits([]), runner, { batchSize: 4 });
  assert.ok(ok.layers.every((l) => Number.isFinite(l.lambda as number)));
});

test('evaluating counts samples with non-finite outputs apart: no prediction (−1), never correct, in the accuracy denominator', async () => {
  const network = await loadNetwork(join(ROOT, 'models', 'mnist-cnn.onnx'));
  const clean = await evaluateAnn(network, await digits([]), runner, { batchSize: 4 });
  assert.equal(clean.nonFinite, 0);
  const data = await digits([2, 5]);
  const labels = data.labels();
  const r = await evaluateAnn(network, data, runner, { batchSize: 4 });
  assert.equal(r.nonFinite, 2);
  assert.equal(r.samples, 8);
  const expected = Array.from(clean.predictions, (p, i) => (i === 2 || i === 5 ? -1 : p));
  assert.deepEqual(Array.from(r.predictions), expected);
  assert.equal(r.correct, expected.filter((p, i) => p === labels[i]).length);
  assert.equal(r.accuracy, r.correct / 8);
});
