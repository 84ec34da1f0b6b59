import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/data/index.js';

test('every: samples 0, k, 2k, … of the dataset order, then limit; same pixels and labels as the whole set', async () => {
  const whole = await openDataset('mnist', { limit: 100 });
  const strided = await openDataset('mnist', { every: 10, limit: 7 });
  assert.equal(strided.length, 7);
  const all: Float32Array[] = [];
  for await (const b of whole.batches(100)) for (let i = 0; i < b.labels.length; i++) all.push(b.x.data.slice(i * 784, (i + 1) * 784));
  const labels = whole.labels();
  assert.deepEqual(
    [...strided.labels()],
    [0, 10, 20, 30, 40, 50, 60].map((i) => labels[i]),
  );
  let seen = 0;
  for await (const b of strided.batches(3)) {
    for (let i = 0; i < b.labels.length; i++, seen++) {
      assert.equal(b.indices[i], seen);
      assert.deepEqual(b.x.data.slice(i * 784, (i + 1) * 784), all[seen * 10]);
    }
  }
  assert.equal(seen, 7);
  assert.equal((await openDataset('mnist', { every: 1000 })).length, 10);
});
