/**
 * Format recognition and image folders, on small folders written here: which format a folder is taken for,
 * the errors for what is not a dataset, class/file order, split selection, and the resize plan.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isMsatError } from '../../src/core/index.js';
import { openDataset, planResize, type Dataset } from '../../src/data/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-data-open-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A w×h image whose every pixel is `value` in every channel (so the class can be read back from x). */
async function writeImage(file: string, value: number, { w = 6, h = 4, channels = 3 as 1 | 3, format = 'png' } = {}): Promise<void> {
  mkdirSync(join(file, '..'), { recursive: true });
  const img = sharp(Buffer.alloc(w * h * channels, value), { raw: { width: w, height: h, channels } });
  const out = format === 'png' ? img.png() : img.jpeg({ quality: 100 });
  writeFileSync(file, await (channels === 1 ? out.toColourspace('b-w') : out).toBuffer());
}

async function expectCode(p: Promise<unknown>, code: string, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `message should mention ${part}: ${e.message}`);
    return true;
  });
}

async function firstValues(ds: Dataset): Promise<number[]> {
  const values: number[] = [];
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  for await (const b of ds.batches(3)) for (let j = 0; j < b.labels.length; j++) values.push(Math.round(b.x.data[j * size] * 255));
  return values;
}

test('missing path, a file, and an unrecognisable folder give DATA_NOT_FOUND / DATA_FORMAT', async () => {
  await expectCode(openDataset(join(tmp, 'nothing-here')), 'DATA_NOT_FOUND', 'nothing-here', 'mnist');
  writeFileSync(join(tmp, 'a-file.txt'), 'x');
  await expectCode(openDataset(join(tmp, 'a-file.txt')), 'DATA_FORMAT', 'is a file');
  mkdirSync(join(tmp, 'empty'));
  await expectCode(openDataset(join(tmp, 'empty')), 'DATA_FORMAT', 'idx', 'cifar-binary', 'lossless-samples', 'image-folder');
});

test('image folder root: classes sorted, order by class then file name, train/test/val split folders', async () => {
  const root = join(tmp, 'imgs');
  // Names chosen so that plain code-unit order differs from natural/locale order: 'B' < 'a', '10' < '9'.
  await writeImage(join(root, 'train', 'b', '9.png'), 10);
  await writeImage(join(root, 'train', 'b', '10.png'), 20);
  await writeImage(join(root, 'train', 'B', 'x.png'), 30);
  await writeImage(join(root, 'train', 'a', 'z.jpeg'), 40, { format: 'jpeg' });
  await writeImage(join(root, 'train', 'a', 'y.JPG'), 50, { format: 'jpeg' });
  writeFileSync(join(root, 'train', 'a', 'notes.txt'), 'not an image');
  mkdirSync(join(root, 'train', '.hidden'), { recursive: true });
  await writeImage(join(root, 'train', '.hidden', 'h.png'), 60);
  await writeImage(join(root, 'val', 'a', '0.png'), 70);

  const train = await openDataset(root, { split: 'train' });
  assert.equal(train.format, 'image-folder');
  assert.equal(train.root, join(root, 'train'));
  assert.deepEqual(train.classes, ['B', 'a', 'b']);
  assert.deepEqual(train.sampleShape, [3, 4, 6]);
  assert.deepEqual([...train.labels()], [0, 1, 1, 2, 2]);
  assert.deepEqual(await firstValues(train), [30, 50, 40, 20, 10], 'B/x, a/y.JPG, a/z.jpeg, b/10, b/9');
  assert.deepEqual([...(await openDataset(root, { split: 'train', limit: 2 })).labels()], [0, 1]);

  const test = await openDataset(root); // default split: test, found as val/
  assert.equal(test.split, 'test');
  assert.equal(test.root, join(root, 'val'));
  assert.deepEqual(await firstValues(test), [70]);

  // A split folder given directly; its name decides the split, an explicit contradiction is an error.
  const direct = await openDataset(join(root, 'train'));
  assert.equal(direct.split, 'train');
  assert.equal(direct.length, 5);
  await expectCode(openDataset(join(root, 'train'), { split: 'test' }), 'DATA_OPTIONS', "'train' split folder");
});

test('a root without the asked split is DATA_NOT_FOUND listing the folders looked for', async () => {
  const root = join(tmp, 'only-train');
  await writeImage(join(root, 'train', 'c', '0.png'), 1);
  await expectCode(openDataset(root, { split: 'test' }), 'DATA_NOT_FOUND', join(root, 'test'), join(root, 'val'));
});

test('gray images make a 1-channel dataset; a gray image in an RGB dataset is replicated', async () => {
  const gray = join(tmp, 'gray', 'test');
  await writeImage(join(gray, 'k', '0.png'), 99, { channels: 1 });
  await writeImage(join(gray, 'k', '1.png'), 100, { channels: 3 });
  const ds = await openDataset(gray);
  assert.deepEqual(ds.sampleShape, [1, 4, 6]);
  assert.deepEqual(await firstValues(ds), [99, 100]);

  const rgb = join(tmp, 'rgb', 'test');
  await writeImage(join(rgb, 'k', '0.png'), 7, { channels: 3 });
  await writeImage(join(rgb, 'k', '1.png'), 8, { channels: 1 });
  const ds3 = await openDataset(rgb);
  assert.deepEqual(ds3.sampleShape, [3, 4, 6]);
  const [, second] = await (async () => {
    const all: Float32Array[] = [];
    for await (const b of ds3.batches(1)) all.push(b.x.data);
    return all;
  })();
  assert.ok(second.every((v) => Math.round(v * 255) === 8));
});

test('images of different sizes: DATA_SHAPE naming the file, unless imageSize resizes them', async () => {
  const dir = join(tmp, 'sizes', 'test');
  await writeImage(join(dir, 'k', '0.png'), 1, { w: 6, h: 4 });
  await writeImage(join(dir, 'k', '1.png'), 2, { w: 5, h: 5 });
  const ds = await openDataset(dir);
  await expectCode(firstValues(ds), 'DATA_SHAPE', join(dir, 'k', '1.png'), '5×5', '6×4', 'imageSize');
  const resized = await openDataset(dir, { imageSize: 3 });
  assert.deepEqual(resized.sampleShape, [3, 3, 3]);
  assert.deepEqual(await firstValues(resized), [1, 2]);
});

test('a corrupt image stops iteration with DATA_CORRUPT; leaving early leaves no unhandled rejection', async () => {
  const dir = join(tmp, 'corrupt', 'test');
  await writeImage(join(dir, 'k', '0.png'), 1);
  writeFileSync(join(dir, 'k', '1.png'), Buffer.from('\x89PNG\r\n\x1a\n garbage'));
  const ds = await openDataset(dir);
  await expectCode(firstValues(ds), 'DATA_CORRUPT', join(dir, 'k', '1.png'));
  // Batch size 1: batch 1 (the bad file) is being read ahead when the loop leaves after batch 0.
  for await (const b of ds.batches(1)) {
    assert.equal(b.indices[0], 0);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
});

test('planResize follows torchvision Resize(256) + CenterCrop(224), Python rounding included', () => {
  const spec = { kind: 'center-crop', size: 224, resizeTo: 256 } as const;
  // 500×375: short side 375 → 256, long side floor(256·500/375) = 341; left = round(58.5) = 58 (half to even).
  assert.deepEqual(planResize(500, 375, spec), { resizeWidth: 341, resizeHeight: 256, left: 58, top: 16, size: 224 });
  // Portrait 683×1024: width is the short side, height floor(383.8) = 383; top = round(79.5) = 80 (to even).
  assert.deepEqual(planResize(683, 1024, spec), { resizeWidth: 256, resizeHeight: 383, left: 16, top: 80, size: 224 });
  // round(59.5) = 60 (half to even goes up here).
  assert.equal(planResize(343 * 2, 512, spec).left, 60);
  assert.deepEqual(planResize(10, 20, { kind: 'stretch', size: 8 }), { resizeWidth: 8, resizeHeight: 8, left: 0, top: 0, size: 8 });
});
