/**
 * The library's object on two paths that must agree: the same MNIST test images as a dataset folder (normalised by
 * the model's metadata) and as arrays in memory (`arrayDataset` with the same mean/std) give the same accuracy at
 * every step; simulating again with another converter re-reads nothing; a saved SNN file loads back to the same λ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvertedSnn, arrayDataset, convert, loadModel, openDataset, MsatError } from '../../src/index.js';
import { ROOT } from '../cli-helpers.js';

const MODEL = join(ROOT, 'models', 'mnist-cnn.onnx');

test('folder and in-memory arrays give the same accuracy per step; save → load keeps λ and the converter; a bad converter fails before calibrating', async () => {
  const model = await loadModel(MODEL);
  await using snn = await convert(model, { calibration: { data: 'mnist', samples: 100 }, neuron: { method: 'const' }, threads: 2 });
  const fromFolder = await snn.simulate('mnist', { T: 12, every: 50 });
  // the same 200 images in [0, 1], normalised by arrayDataset
  const raw = await openDataset('mnist', { split: 'test', every: 50 });
  const x = new Float32Array(raw.length * 784);
  let at = 0;
  for await (const b of raw.batches(100)) {
    x.set(b.x.data, at);
    at += b.x.data.length;
  }
  const inMemory = arrayDataset({ x, sampleShape: [1, 28, 28], labels: raw.labels(), mean: [0.1307], std: [0.3081] });
  const fromArrays = await snn.simulate(inMemory, { T: 12 });
  assert.equal(fromArrays.samples, 200);
  assert.deepEqual(fromArrays.accuracyPerStep, fromFolder.accuracyPerStep);
  const msat = await snn.simulate(inMemory, { T: 12, neuron: { method: 'msat' } });
  assert.equal(msat.method, 'MSAT DTT+DET');
  assert.notDeepEqual(msat.accuracyPerStep, fromArrays.accuracyPerStep);

  const file = join(mkdtempSync(join(tmpdir(), 'msat-api-')), 'mnist.snn.json');
  await snn.save(file);
  await using loaded = await ConvertedSnn.load(file, { threads: 2 });
  assert.deepEqual(
    [...loaded.lambdas].map(([k, v]) => [k, Math.fround(v as number)]),
    [...snn.lambdas].map(([k, v]) => [k, Math.fround(v as number)]),
  );
  assert.equal(loaded.neuron.method, 'const');
  assert.deepEqual((await loaded.simulate(inMemory, { T: 12 })).accuracyPerStep, fromArrays.accuracyPerStep);

  await assert.rejects(
    convert(model, { calibration: { data: 'mnist' }, neuron: { gamma: 0 } }),
    (e: unknown) => e instanceof MsatError && e.code === 'SNN_OPTIONS',
  );
});
