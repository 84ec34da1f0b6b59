/** `arrayDataset`: samples in memory, normalised per channel as the folder formats do; bad arrays are refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrayDataset } from '../../src/data/index.js';

test('per-channel (x − mean) / std, batches in order with positions, labels and class names', async () => {
  // two samples of [2 channels, 1, 2]
  const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const ds = arrayDataset({ x, sampleShape: [2, 1, 2], labels: [1, 0], mean: [1, 3], std: [2, 0.5] });
  assert.equal(ds.length, 2);
  assert.deepEqual(ds.classes, ['0', '1']);
  assert.equal(ds.format, 'arrays');
  const batches = [];
  for await (const b of ds.batches(1)) batches.push(b);
  assert.deepEqual(Array.from(batches[0].x.data), [0, 0.5, 0, 2]);
  assert.deepEqual(Array.from(batches[1].x.data), [2, 2.5, 8, 10]);
  assert.deepEqual(
    batches.map((b) => [b.labels[0], b.indices[0]]),
    [
      [1, 0],
      [0, 1],
    ],
  );
  const same = arrayDataset({ x, sampleShape: [2, 1, 2], labels: [1, 0] });
  for await (const b of same.batches(2)) assert.deepEqual(Array.from(b.x.data), Array.from(x), 'no mean/std: the values as given');
});

test('a wrong length, a label outside the classes, or a non-positive std is a DATA_OPTIONS error naming the data', () => {
  const x = new Float32Array(8);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 1, 2] }), /DATA_OPTIONS|x has 8 values, but 3 labels/);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 3], classes: ['a', 'b'], name: 'mine' }), /mine: label 3 of sample 1/);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 1], std: [0] }), /std must be positive/);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 1], mean: [0, 0, 0] }), /mean has 3 values for 2 channels/);
});
