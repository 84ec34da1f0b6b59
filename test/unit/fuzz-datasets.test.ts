// Small datasets built from real data (MNIST IDX plain and gzipped, CIFAR-10 binary, lossless PNG samples, PNG and
// JPEG image folders, Speech Commands WAV, IMDB reviews), damaged in headers, sizes, bytes and labels: opening a
// mutant and reading every batch gives finite samples with labels inside the seed's classes, or one DATA_* line
// naming the damaged file. 25 seeded mutants per format here; `npm run fuzz -- --cases N` runs more. Formats whose
// data is not in the dataset cache are skipped (and listed).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { findCachedDataset, mnistDataDir, openDataset } from '../../src/data/index.js';
import { DATA_FORMATS, fuzzDatasets } from '../fuzz/dataset-mutants.js';
import { assertLabelsFit } from '../../src/ann/index.js';
import { loadNetwork } from '../../src/model/index.js';
import { ROOT } from '../cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-fuzz-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('mutants of IDX, CIFAR binary, image, WAV and IMDB datasets are read whole or refused with one line naming the file', async (t) => {
  const { table, skipped } = await fuzzDatasets(dir, 25);
  for (const [format, why] of skipped) t.diagnostic(`${format} skipped: ${why}`);
  assert.deepEqual([...table.keys(), ...skipped.keys()].sort(), DATA_FORMATS.map((f) => f.name).sort());
  for (const [format, rows] of table) {
    const refused = [...rows.values()].reduce((n, r) => n + r.refused, 0);
    assert.ok(refused >= 5, `${format}: only ${refused} of 25 mutants refused`);
  }
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMsatError(e), `expected an MsatError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), e.message);
    return e;
  }
  assert.fail('the dataset was opened');
}

// Found by the fuzzing: the class list grows to fit the label (201 classes for a label of 200), which an IDX
// file with more classes (EMNIST) needs; where the data meets a 10-class model, the label is refused.
test("an IDX label beyond the model's outputs is refused where the data meets the model, naming the data and the sample", async () => {
  const folder = join(dir, 'idx-label');
  mkdirSync(folder);
  copyFileSync(join(mnistDataDir(), 't10k-images-idx3-ubyte'), join(folder, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
  labels[8 + 5] = 200;
  writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), labels);
  const dataset = await openDataset(folder, { limit: 10 });
  assert.equal(dataset.classes.length, 201);
  const network = await loadNetwork(join(ROOT, 'models', 'mnist-cnn.onnx'));
  assert.throws(
    () => assertLabelsFit(network, dataset),
    (e: Error & { code?: string }) =>
      e.code === 'EVAL_INPUTS' && e.message.startsWith(folder) && /sample 5 has label 200/.test(e.message) && !e.message.includes('\n'),
  );
});

const lossless = findCachedDataset('lossless');

test(
  'a lossless sample whose name gives a label outside its set is DATA_CORRUPT naming that file',
  { skip: lossless ? false : 'dataset cache missing: run `npm run datasets`' },
  async () => {
    const folder = join(dir, 'lossless-label');
    mkdirSync(folder);
    copyFileSync(join(lossless!, 'cifar10_00_3.png'), join(folder, 'cifar10_00_3.png'));
    copyFileSync(join(lossless!, 'cifar10_01_8.png'), join(folder, 'cifar10_01_12.png'));
    const e = await refusal(openDataset(folder));
    assert.equal(e.code, 'DATA_CORRUPT');
    assert.ok(e.message.startsWith(join(folder, 'cifar10_01_12.png')), e.message);
    assert.match(e.message, /label 12, but set 'cifar10' has 10 classes/);
  },
);
