/**
 * The CIFAR-10 JPEG image folder (`.cache/datasets/cifar10-jpeg`): the whole 10k test set through the
 * dataset, class order, --limit, the built-in JPEG decoder against sharp on real files, and a truncated copy.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isMsatError } from '../../src/core/index.js';
import { CIFAR10_CLASSES, findCachedDataset, openDataset } from '../../src/data/index.js';

const root = findCachedDataset('cifar10-jpeg');
const skip = root ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';
const tmp = mkdtempSync(join(tmpdir(), 'msat-data-c10jpeg-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** sharp's pixels of one file, HWC → CHW, scaled by 1/255 as float32. */
async function sharpChw(file: string): Promise<Float32Array> {
  const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(3072);
  for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) out[c * 1024 + p] = data[p * 3 + c] / 255;
  return out;
}

test('CIFAR-10 JPEG test folder: 10,000 samples in class order, first file airplane/0000.jpg', { skip }, async (t) => {
  const started = performance.now();
  const ds = await openDataset(root!);
  const opened = performance.now();
  assert.equal(ds.format, 'image-folder');
  assert.equal(ds.split, 'test');
  assert.equal(ds.root, join(root!, 'test'));
  assert.equal(ds.length, 10000);
  assert.deepEqual(ds.sampleShape, [3, 32, 32]);
  assert.deepEqual(ds.classes, CIFAR10_CLASSES);
  const labels = ds.labels();
  assert.ok(
    labels.every((l, i) => l === Math.floor(i / 1000)),
    'label = position / 1000',
  );

  let count = 0;
  let first: Float32Array | undefined;
  let last: Float32Array | undefined;
  for await (const b of ds.batches(512)) {
    assert.deepEqual(
      [...b.indices],
      Array.from({ length: b.labels.length }, (_, j) => count + j),
    );
    first ??= b.x.data.slice(0, 3072);
    last = b.x.data.slice(b.x.data.length - 3072);
    count += b.labels.length;
  }
  const ms = performance.now() - started;
  t.diagnostic(`CIFAR-10 JPEG test set: open ${(opened - started).toFixed(0)} ms, open + decode of 10,000 images ${ms.toFixed(0)} ms`);
  assert.equal(count, 10000);
  assert.deepEqual(first, await sharpChw(join(root!, 'test', 'airplane', '0000.jpg')));
  assert.deepEqual(last, await sharpChw(join(root!, 'test', 'truck', '0999.jpg')));
});

test('--limit 1500 takes the 1000 airplanes and the first 500 automobiles', { skip }, async () => {
  const ds = await openDataset(join(root!, 'test'), { limit: 1500 });
  assert.equal(ds.length, 1500);
  const labels = ds.labels();
  assert.equal(labels.filter((l) => l === 0).length, 1000);
  assert.equal(labels.filter((l) => l === 1).length, 500);
  let lastSample: Float32Array | undefined;
  for await (const b of ds.batches(1000)) lastSample = b.x.data.slice(b.x.data.length - 3072);
  assert.deepEqual(lastSample, await sharpChw(join(root!, 'test', 'automobile', '0499.jpg')));
  assert.equal((await openDataset(root!, { split: 'train', limit: 10 })).length, 10);
  assert.equal((await openDataset(root!, { split: 'train' })).length, 50000);
});

test('a truncated JPEG in an image folder is DATA_CORRUPT naming the file', { skip }, async () => {
  const dir = join(tmp, 'test', 'airplane');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root!, 'test', 'airplane', '0000.jpg'), join(dir, '0000.jpg'));
  const good = readFileSync(join(root!, 'test', 'airplane', '0001.jpg'));
  const bad = join(dir, '0001.jpg');
  writeFileSync(bad, good.subarray(0, Math.floor(good.length * 0.6)));
  const ds = await openDataset(tmp);
  assert.equal(ds.length, 2);
  await assert.rejects(
    (async () => {
      for await (const _ of ds.batches(2));
    })(),
    (e: unknown) => isMsatError(e) && e.code === 'DATA_CORRUPT' && e.message.includes(bad),
  );
  // As the first file it already fails while the dataset is opened (its shape is read from it).
  rmSync(join(dir, '0000.jpg'));
  await assert.rejects(openDataset(tmp), (e: unknown) => isMsatError(e) && e.code === 'DATA_CORRUPT' && e.message.includes(bad));
});
