/**
 * Batching, limit and order on a 10-sample IDX dataset written here, where sample i is filled with byte i so
 * every batch's contents can be checked against its `indices`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, openDataset, type Batch, type BatchOptions, type Dataset } from '../../src/data/index.js';

const N = 10;
const dir = mkdtempSync(join(tmpdir(), 'msat-data-batch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

writeFileSync(
  join(dir, 't10k-images-idx3-ubyte'),
  idx(
    IDX_IMAGES_MAGIC,
    [N, 2, 2],
    Uint8Array.from({ length: N * 4 }, (_, k) => Math.floor(k / 4) * 10),
  ),
);
writeFileSync(
  join(dir, 't10k-labels-idx1-ubyte'),
  idx(
    IDX_LABELS_MAGIC,
    [N],
    Uint8Array.from({ length: N }, (_, i) => (i * 3) % 10),
  ),
);

async function collect(ds: Dataset, size: number, options?: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of ds.batches(size, options)) out.push(b);
  return out;
}

/** Each batch's x must hold sample indices[j] (byte 10·i scaled by 1/255) and its label. */
function checkContents(batches: readonly Batch[]): void {
  for (const b of batches) {
    assert.deepEqual(b.x.dims, [b.labels.length, 1, 2, 2]);
    b.indices.forEach((i, j) => {
      for (let k = 0; k < 4; k++) assert.equal(b.x.data[j * 4 + k], Math.fround((i * 10) / 255));
      assert.equal(b.labels[j], (i * 3) % 10);
    });
  }
}

test('batches of 4 over 10 samples: sizes 4, 4, 2 in dataset order', async () => {
  const ds = await openDataset(dir);
  const batches = await collect(ds, 4);
  assert.deepEqual(
    batches.map((b) => b.labels.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    batches.flatMap((b) => [...b.indices]),
    [...Array(N).keys()],
  );
  checkContents(batches);
  assert.deepEqual(
    batches.flatMap((b) => [...b.labels]),
    [...ds.labels()],
  );
  // A batch size above the length gives one batch; iterating twice gives the same data.
  const [all] = await collect(ds, 64);
  assert.equal(all.labels.length, N);
  assert.deepEqual((await collect(ds, 64))[0].x.data, all.x.data);
});

test('limit keeps the first N samples of dataset order', async () => {
  const ds = await openDataset(dir, { limit: 7 });
  assert.equal(ds.length, 7);
  assert.deepEqual([...ds.labels()], [0, 3, 6, 9, 2, 5, 8]);
  const batches = await collect(ds, 4);
  assert.deepEqual(
    batches.map((b) => b.labels.length),
    [4, 3],
  );
  checkContents(batches);
  assert.equal((await openDataset(dir, { limit: 1000 })).length, N, 'a limit above the size keeps everything');
});

test('an explicit order (a shuffle) visits those positions; indices report them', async () => {
  const ds = await openDataset(dir);
  const order = [9, 0, 5, 5, 2];
  const batches = await collect(ds, 2, { order });
  assert.deepEqual(
    batches.flatMap((b) => [...b.indices]),
    order,
  );
  checkContents(batches);
  assert.throws(
    () => ds.batches(2, { order: [0, 10] }),
    (e: unknown) => isMsatError(e) && /entry 1 is 10/.test(e.message),
  );
});

test('labels() is a copy; a bad batch size is DATA_OPTIONS', async () => {
  const ds = await openDataset(dir);
  ds.labels().fill(99);
  assert.equal(ds.labels()[1], 3);
  for (const size of [0, -1, 1.5]) {
    assert.throws(
      () => ds.batches(size),
      (e: unknown) => isMsatError(e) && e.code === 'DATA_OPTIONS',
    );
  }
});
