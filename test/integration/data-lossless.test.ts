/**
 * The lossless-samples folder (`.cache/datasets/lossless`): set selection, labels and class names from the
 * file names, and ImageNet evaluation preprocessing (resize 256 + center crop 224) on its ImageNet JPEGs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { isMsatError } from '../../src/core/index.js';
import { CIFAR100_CLASSES, CIFAR10_CLASSES, findCachedDataset, openDataset, planResize } from '../../src/data/index.js';

const dir = findCachedDataset('lossless');
const skip = dir ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';

test('sets are chosen by option or virtual path; labels and classes come from the names', { skip }, async () => {
  const byPath = await openDataset(join(dir!, 'cifar10'));
  const byOption = await openDataset(dir!, { set: 'CIFAR10' });
  for (const ds of [byPath, byOption]) {
    assert.equal(ds.format, 'lossless-samples');
    assert.equal(ds.split, 'test');
    assert.equal(ds.root, join(dir!, 'cifar10'));
    assert.equal(ds.length, 20);
    assert.deepEqual(ds.sampleShape, [3, 32, 32]);
    assert.deepEqual(ds.classes, CIFAR10_CLASSES);
    assert.deepEqual([...ds.labels()], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6]);
  }
  const c100 = await openDataset(join(dir!, 'cifar100'), { split: 'train', limit: 5 });
  assert.equal(c100.split, 'test', 'a test-only set ignores the split option');
  assert.deepEqual(c100.classes, CIFAR100_CLASSES);
  assert.deepEqual([...c100.labels()], [49, 33, 72, 51, 71]);
  const mnist = await openDataset(join(dir!, 'mnist'));
  assert.deepEqual(mnist.sampleShape, [1, 28, 28]);
  await assert.rejects(openDataset(dir!), (e: unknown) => isMsatError(e) && e.code === 'DATA_OPTIONS' && /several sample sets/.test(e.message));
  await assert.rejects(
    openDataset(dir!, { set: 'svhn' }),
    (e: unknown) => isMsatError(e) && e.code === 'DATA_NOT_FOUND' && /no sample set 'svhn'/.test(e.message),
  );
});

test('ImageNet JPEGs with imageSize 224: [3, 224, 224], equal to sharp resize(256-short-side) + center extract', { skip }, async (t) => {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const started = performance.now();
  const ds = await openDataset(join(dir!, 'imagenet'), { imageSize: 224, mean, std });
  assert.deepEqual(ds.sampleShape, [3, 224, 224]);
  assert.equal(ds.classes.length, 1000);
  assert.deepEqual([...ds.labels().subarray(0, 4)], [243, 559, 438, 990]);
  const files = readdirSync(dir!)
    .filter((f) => f.startsWith('imagenet_'))
    .sort();
  const plane = 224 * 224;
  let i = 0;
  for await (const b of ds.batches(8)) {
    assert.deepEqual(b.x.dims, [b.labels.length, 3, 224, 224]);
    for (let j = 0; j < b.labels.length; j++, i++) {
      // Independent path: sharp straight from the file, with the plan torchvision's Resize/CenterCrop implies.
      const file = join(dir!, files[i]);
      const meta = await sharp(file).metadata();
      const plan = planResize(meta.width!, meta.height!, { kind: 'center-crop', size: 224, resizeTo: 256 });
      const ref = await sharp(file)
        .resize(plan.resizeWidth, plan.resizeHeight, { kernel: 'linear', fit: 'fill' })
        .extract({ left: plan.left, top: plan.top, width: 224, height: 224 })
        .raw()
        .toBuffer();
      let maxDiff = 0;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < plane; p++) {
          const v = b.x.data[(j * 3 + c) * plane + p] * std[c] + mean[c];
          maxDiff = Math.max(maxDiff, Math.abs(v * 255 - ref[p * 3 + c]));
        }
      }
      assert.ok(maxDiff < 1e-3, `${files[i]}: max difference ${maxDiff} (in 0..255 units)`);
    }
  }
  assert.equal(i, 20);
  t.diagnostic(`20 ImageNet JPEGs (512×512, one 1024×683) decoded, resized and cropped in ${(performance.now() - started).toFixed(0)} ms`);
});

test('ImageNet JPEGs without imageSize: the 1024×683 one is DATA_SHAPE naming it', { skip }, async () => {
  const ds = await openDataset(join(dir!, 'imagenet'));
  assert.deepEqual(ds.sampleShape, [3, 512, 512]);
  await assert.rejects(
    (async () => {
      for await (const _ of ds.batches(4));
    })(),
    (e: unknown) => isMsatError(e) && e.code === 'DATA_SHAPE' && e.message.includes('imagenet_10_541.jpg') && e.message.includes('1024×683'),
  );
  const stretched = await openDataset(join(dir!, 'imagenet'), { imageSize: 64, centerCrop: false, limit: 12 });
  assert.deepEqual(stretched.sampleShape, [3, 64, 64]);
  let n = 0;
  for await (const b of stretched.batches(12)) n += b.labels.length;
  assert.equal(n, 12);
});
