/**
 * IDX reader on files written here: plain and gzipped folders must give the same samples, and every kind of
 * damage must be a DATA_CORRUPT error that names the file and the byte counts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isMsatError } from '../../src/core/index.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, openDataset, parseIdx, type Dataset } from '../../src/data/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-data-idx-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** An IDX file: magic, big-endian dims, data. */
function idxBytes(magic: number, dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const COUNT = 5;
const ROWS = 3;
const COLS = 4;
/** Pixel i of sample n is (n * 37 + i * 11) mod 256: distinct, covers 0 and high values. */
const PIXELS = Uint8Array.from({ length: COUNT * ROWS * COLS }, (_, k) => {
  const n = Math.floor(k / (ROWS * COLS));
  const i = k % (ROWS * COLS);
  return (n * 37 + i * 11 + (n === 4 ? 200 : 0)) % 256;
});
const LABELS = Uint8Array.from([3, 1, 4, 1, 5]);

function writeIdxFolder(name: string, { gz = false, split = 't10k' } = {}): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const images = idxBytes(IDX_IMAGES_MAGIC, [COUNT, ROWS, COLS], PIXELS);
  const labels = idxBytes(IDX_LABELS_MAGIC, [COUNT], LABELS);
  writeFileSync(join(dir, `${split}-images-idx3-ubyte${gz ? '.gz' : ''}`), gz ? gzipSync(images) : images);
  writeFileSync(join(dir, `${split}-labels-idx1-ubyte${gz ? '.gz' : ''}`), gz ? gzipSync(labels) : labels);
  return dir;
}

async function allSamples(ds: Dataset): Promise<Float32Array> {
  const out: number[] = [];
  for await (const b of ds.batches(2)) out.push(...b.x.data);
  return Float32Array.from(out);
}

async function rejectsWith(p: Promise<unknown>, code: string, ...parts: string[]): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMsatError(e), `expected an MsatError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `message should mention ${part}: ${e.message}`);
    return e.message;
  }
  assert.fail(`expected ${code}`);
}

test('plain IDX folder: shape, labels and pixels scaled to [0, 1] (x/255 as float32)', async () => {
  const ds = await openDataset(writeIdxFolder('plain'));
  assert.equal(ds.format, 'idx');
  assert.equal(ds.split, 'test');
  assert.equal(ds.length, COUNT);
  assert.deepEqual(ds.sampleShape, [1, ROWS, COLS]);
  assert.deepEqual([...ds.labels()], [...LABELS]);
  assert.equal(ds.classes.length, 10);
  const x = await allSamples(ds);
  assert.deepEqual(
    [...x],
    [...PIXELS].map((v) => Math.fround(v / 255)),
  );
});

test('gzipped IDX folder gives the same samples as the plain one', async () => {
  const plain = await allSamples(await openDataset(writeIdxFolder('plain2')));
  const gz = await openDataset(writeIdxFolder('gz', { gz: true }));
  assert.deepEqual([...gz.labels()], [...LABELS]);
  assert.deepEqual(await allSamples(gz), plain);
});

test('train split reads the train-* files', async () => {
  const dir = writeIdxFolder('train', { split: 'train' });
  const ds = await openDataset(dir, { split: 'train' });
  assert.equal(ds.split, 'train');
  assert.equal(ds.length, COUNT);
  await rejectsWith(openDataset(dir, { split: 'test' }), 'DATA_NOT_FOUND', 't10k-images-idx3-ubyte', 't10k-images-idx3-ubyte.gz');
});

test('truncated IDX images file: DATA_CORRUPT with the file name, expected and found byte counts', async () => {
  const dir = writeIdxFolder('truncated');
  const file = join(dir, 't10k-images-idx3-ubyte');
  const full = idxBytes(IDX_IMAGES_MAGIC, [COUNT, ROWS, COLS], PIXELS);
  writeFileSync(file, full.subarray(0, full.length - 7));
  await rejectsWith(openDataset(dir), 'DATA_CORRUPT', file, String(full.length), String(full.length - 7), 'truncated');
});

test('truncated gzipped IDX file: DATA_CORRUPT naming the file', async () => {
  const dir = writeIdxFolder('truncated-gz', { gz: true });
  const file = join(dir, 't10k-images-idx3-ubyte.gz');
  const gz = gzipSync(idxBytes(IDX_IMAGES_MAGIC, [COUNT, ROWS, COLS], PIXELS));
  writeFileSync(file, gz.subarray(0, gz.length - 10));
  await rejectsWith(openDataset(dir), 'DATA_CORRUPT', file);
});

test('wrong magic number and label/image count mismatch are DATA_CORRUPT', async () => {
  const dir = writeIdxFolder('bad-magic');
  const labelsFile = join(dir, 't10k-labels-idx1-ubyte');
  writeFileSync(labelsFile, idxBytes(IDX_IMAGES_MAGIC, [COUNT], LABELS));
  await rejectsWith(openDataset(dir), 'DATA_CORRUPT', labelsFile, '0x00000801');
  writeFileSync(labelsFile, idxBytes(IDX_LABELS_MAGIC, [COUNT - 1], LABELS.subarray(1)));
  await rejectsWith(openDataset(dir), 'DATA_CORRUPT', labelsFile, '4 labels', '5 images');
});

test('parseIdx reads big-endian dims and returns a view of the data', () => {
  const bytes = idxBytes(IDX_IMAGES_MAGIC, [2, 256, 3], new Uint8Array(2 * 256 * 3).fill(9));
  const parsed = parseIdx(bytes, IDX_IMAGES_MAGIC, 'x.idx');
  assert.deepEqual(parsed.dims, [2, 256, 3]);
  assert.equal(parsed.data.length, 1536);
  assert.equal(parsed.data.buffer, bytes.buffer);
  assert.throws(() => parseIdx(bytes.subarray(0, 10), IDX_IMAGES_MAGIC, 'x.idx'), /x\.idx: IDX header needs 16 bytes/);
  assert.throws(
    () => parseIdx(Uint8Array.of(...bytes, 0), IDX_IMAGES_MAGIC, 'x.idx'),
    /should be 1552 bytes, but it is 1553 bytes; the file has trailing bytes/,
  );
});

test('imageSize and set options are rejected for IDX folders', async () => {
  const dir = writeIdxFolder('options');
  await rejectsWith(openDataset(dir, { imageSize: 32 }), 'DATA_OPTIONS', 'imageSize');
  await rejectsWith(openDataset(dir, { set: 'mnist' }), 'DATA_OPTIONS', 'set option');
});

test('an IDX pair that holds 0 samples is DATA_NOT_FOUND when opened, not an empty evaluation', async () => {
  const dir = join(tmp, 'empty');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes(IDX_IMAGES_MAGIC, [0, ROWS, COLS], new Uint8Array(0)));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes(IDX_LABELS_MAGIC, [0], new Uint8Array(0)));
  await rejectsWith(openDataset(dir), 'DATA_NOT_FOUND', dir, 'holds no samples');
  await rejectsWith(openDataset(dir, { every: 3, limit: 5 }), 'DATA_NOT_FOUND', dir, 'holds no samples', 'limit 5', 'every 3');
});
