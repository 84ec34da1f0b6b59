/**
 * CIFAR binary batches written here from the lossless CIFAR-10/100 PNG samples: reading the binary files and
 * reading the PNGs are two paths to the same pixels, so their batches must be identical (exact float32).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isMsatError } from '../../src/core/index.js';
import { CIFAR100_CLASSES, CIFAR10_CLASSES, findCachedDataset, openDataset, type Dataset } from '../../src/data/index.js';

const lossless = findCachedDataset('lossless');
const skip = lossless ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';
const tmp = mkdtempSync(join(tmpdir(), 'msat-data-cifar-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Sample {
  readonly label: number;
  readonly chw: Uint8Array;
}

/** The 20 samples of a lossless set, pixels decoded by sharp and rearranged HWC → CHW as CIFAR stores them. */
async function readSet(set: string): Promise<Sample[]> {
  const files = readdirSync(lossless!)
    .filter((f) => f.startsWith(`${set}_`))
    .sort();
  const samples: Sample[] = [];
  for (const f of files) {
    const { data, info } = await sharp(join(lossless!, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    const chw = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) chw[c * 1024 + p] = data[p * 3 + c];
    samples.push({ label: Number(/_(\d+)\.png$/.exec(f)![1]), chw });
  }
  return samples;
}

function records(samples: readonly Sample[], coarse: boolean): Uint8Array {
  const size = (coarse ? 2 : 1) + 3072;
  const out = new Uint8Array(samples.length * size);
  samples.forEach((s, i) => {
    if (coarse) out[i * size] = 19 - (s.label % 20); // a coarse label that differs from the fine one
    out[i * size + size - 3073] = s.label;
    out.set(s.chw, i * size + size - 3072);
  });
  return out;
}

async function batchesOf(ds: Dataset, size: number): Promise<{ x: number[]; labels: number[]; indices: number[]; sizes: number[] }> {
  const r = { x: [] as number[], labels: [] as number[], indices: [] as number[], sizes: [] as number[] };
  for await (const b of ds.batches(size)) {
    r.x.push(...b.x.data);
    r.labels.push(...b.labels);
    r.indices.push(...b.indices);
    r.sizes.push(b.labels.length);
    assert.deepEqual(b.x.dims, [b.labels.length, 3, 32, 32]);
  }
  return r;
}

async function expectCode(p: Promise<unknown>, code: string, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isMsatError(e));
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `message should mention ${part}: ${e.message}`);
    return true;
  });
}

test('CIFAR-10 binary written from the lossless PNGs reads back the same pixels as the PNGs', { skip }, async () => {
  const samples = await readSet('cifar10');
  assert.equal(samples.length, 20);
  // Archive layout: the batches sit in cifar-10-batches-bin/, and the parent folder is what the user passes.
  const dir = join(tmp, 'c10', 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `data_batch_${i + 1}.bin`), records(samples.slice(4 * i, 4 * i + 4), false));
  writeFileSync(join(dir, 'test_batch.bin'), records(samples, false));

  const fromPng = await batchesOf(await openDataset(join(lossless!, 'cifar10')), 20);
  for (const split of ['test', 'train'] as const) {
    const ds = await openDataset(join(tmp, 'c10'), { split });
    assert.equal(ds.format, 'cifar-binary');
    assert.equal(ds.root, dir);
    assert.equal(ds.length, 20);
    assert.deepEqual(ds.classes, CIFAR10_CLASSES);
    const got = await batchesOf(ds, 8);
    assert.deepEqual(got.sizes, [8, 8, 4], 'last batch is partial');
    assert.deepEqual(
      got.labels,
      samples.map((s) => s.label),
    );
    assert.deepEqual(got.indices, [...Array(20).keys()]);
    assert.deepEqual(got.x, fromPng.x, `${split}: binary path vs PNG path, exact float32`);
  }
  // limit crosses the batch-file boundary (4 records per train file).
  const limited = await openDataset(dir, { split: 'train', limit: 6 });
  assert.equal(limited.length, 6);
  assert.deepEqual(
    [...limited.labels()],
    samples.slice(0, 6).map((s) => s.label),
  );
  assert.deepEqual((await batchesOf(limited, 4)).x, fromPng.x.slice(0, 6 * 3072));
});

test('CIFAR-100 binary uses the fine label and the class names file when present', { skip }, async () => {
  const samples = await readSet('cifar100');
  const dir = join(tmp, 'c100');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.bin'), records(samples.slice(0, 10), true));
  writeFileSync(join(dir, 'test.bin'), records(samples, true));
  const ds = await openDataset(dir);
  assert.deepEqual(ds.classes, CIFAR100_CLASSES);
  assert.deepEqual(
    [...ds.labels()],
    samples.map((s) => s.label),
  );
  const fromPng = await batchesOf(await openDataset(join(lossless!, 'cifar100')), 20);
  assert.deepEqual((await batchesOf(ds, 20)).x, fromPng.x);
  assert.equal((await openDataset(dir, { split: 'train' })).length, 10);

  const names = Array.from({ length: 100 }, (_, i) => `class${i}`);
  writeFileSync(join(dir, 'fine_label_names.txt'), names.join('\n') + '\n\n');
  assert.deepEqual((await openDataset(dir)).classes, names);
  writeFileSync(join(dir, 'fine_label_names.txt'), 'just\nthree\nnames\n');
  await expectCode(openDataset(dir), 'DATA_CORRUPT', 'fine_label_names.txt', 'lists 3 class names, expected 100');
});

test('truncated CIFAR batch is DATA_CORRUPT naming the file, even when --limit would not reach it', { skip }, async () => {
  const samples = await readSet('cifar10');
  const dir = join(tmp, 'c10-bad');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `data_batch_${i + 1}.bin`), records(samples.slice(4 * i, 4 * i + 4), false));
  const bad = join(dir, 'data_batch_5.bin');
  writeFileSync(bad, records(samples.slice(16, 20), false).subarray(0, 4 * 3073 - 100));
  await expectCode(openDataset(dir, { split: 'train', limit: 2 }), 'DATA_CORRUPT', bad, String(4 * 3073 - 100), '3073');
  await expectCode(openDataset(dir, { split: 'test' }), 'DATA_NOT_FOUND', 'test_batch.bin');
  rmSync(join(dir, 'data_batch_3.bin'));
  await expectCode(openDataset(dir, { split: 'train' }), 'DATA_NOT_FOUND', 'data_batch_3.bin');
});

test('a label byte outside the class range is DATA_CORRUPT with the record number', { skip }, async () => {
  const samples = await readSet('cifar10');
  const dir = join(tmp, 'c10-label');
  mkdirSync(dir, { recursive: true });
  const bytes = records(samples.slice(0, 3), false);
  bytes[2 * 3073] = 10;
  writeFileSync(join(dir, 'test_batch.bin'), bytes);
  await expectCode(openDataset(dir), 'DATA_CORRUPT', 'test_batch.bin', 'record 2 has label 10');
});

test('wrong mean length for a 3-channel dataset is DATA_OPTIONS naming the channel count', { skip }, async () => {
  const dir = join(tmp, 'c10-mean');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test_batch.bin'), records((await readSet('cifar10')).slice(0, 2), false));
  await expectCode(openDataset(dir, { mean: [0.5, 0.5] }), 'DATA_OPTIONS', 'mean has 2 values', '3 channels');
  await expectCode(openDataset(dir, { std: [1, 1, 1, 1] }), 'DATA_OPTIONS', 'std has 4 values');
  const ds = await openDataset(dir, { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.243, 0.261] });
  assert.equal(ds.length, 2);
});

/** Synthetic records (no dataset cache needed): label bytes as given, pixels 0. */
function syntheticRecords(labelBytes: readonly (readonly number[])[]): Uint8Array {
  const size = labelBytes[0].length + 3072;
  const out = new Uint8Array(labelBytes.length * size);
  labelBytes.forEach((l, i) => out.set(l, i * size));
  return out;
}

test('every label byte is checked, even past --limit: CIFAR-10 0..9, CIFAR-100 coarse 0..19 and fine 0..99', async () => {
  const c10 = join(tmp, 'c10-labels-all');
  mkdirSync(c10, { recursive: true });
  const c10File = join(c10, 'test_batch.bin');
  writeFileSync(c10File, syntheticRecords([[0], [9], [3], [255]]));
  await expectCode(openDataset(c10, { limit: 1 }), 'DATA_CORRUPT', c10File, 'record 3 has label 255', 'CIFAR-10 labels are 0..9');

  const c100 = join(tmp, 'c100-labels');
  mkdirSync(c100, { recursive: true });
  const c100File = join(c100, 'test.bin');
  writeFileSync(
    c100File,
    syntheticRecords([
      [19, 99],
      [0, 0],
      [20, 5],
    ]),
  );
  await expectCode(openDataset(c100, { limit: 1 }), 'DATA_CORRUPT', c100File, 'record 2 has coarse label 20', 'coarse labels are 0..19');
  writeFileSync(
    c100File,
    syntheticRecords([
      [19, 99],
      [0, 100],
    ]),
  );
  await expectCode(openDataset(c100), 'DATA_CORRUPT', c100File, 'record 1 has fine label 100', 'fine labels are 0..99');
  writeFileSync(
    c100File,
    syntheticRecords([
      [19, 99],
      [0, 0],
    ]),
  );
  assert.deepEqual([...(await openDataset(c100)).labels()], [99, 0]);
});
