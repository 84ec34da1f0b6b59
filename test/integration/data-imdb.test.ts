/**
 * The real IMDB training split (`.cache/datasets/aclImdb`, 25,000 reviews): size, class order, the vocabulary's
 * head, and one sample through the dataset against the tokenizer run on the file by hand. Opening tokenises the
 * whole split (a few seconds, timed in the diagnostics); a second open reuses the process's corpus cache. The
 * test split (which needs the training split's vocabulary too) is covered on small folders in
 * `test/unit/data-imdb-text.test.ts`, to keep this file to one pass over the corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCachedDataset, openDataset, tokenize } from '../../src/data/index.js';

const root = findCachedDataset('aclImdb');
const skip = root ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';

test('IMDB train split: 25,000 reviews, neg then pos, vocabulary from the training words, samples match the tokenizer', { skip }, async (t) => {
  const started = performance.now();
  const ds = await openDataset(root!, { split: 'train', sequenceLength: 64 });
  const opened = performance.now();
  const again = await openDataset(root!, { split: 'train', vocabSize: 10, every: 1000 });
  const reopened = performance.now();
  t.diagnostic(`IMDB train: read + tokenise + vocabulary ${(opened - started).toFixed(0)} ms, reopen (cached) ${(reopened - opened).toFixed(0)} ms`);

  assert.equal(ds.format, 'imdb');
  assert.equal(ds.length, 25000);
  assert.deepEqual(ds.classes, ['neg', 'pos']);
  assert.deepEqual(ds.sampleShape, [64]);
  const labels = ds.labels();
  assert.ok(
    labels.every((l, i) => l === (i < 12500 ? 0 : 1)),
    '12,500 neg then 12,500 pos',
  );
  assert.deepEqual(Array.from(again.labels()), [...Array(13).fill(0), ...Array(12).fill(1)]);

  // The ten most frequent words of the 25,000 training reviews (counted once with this tokenizer) get ids 2..11.
  const top = ['the', 'and', 'a', 'of', 'to', 'is', 'in', 'it', 'i', 'this'];
  // Sample 0 is train/neg/0_3.txt (ids sort numerically); rebuild its last 64 words by hand.
  const words = tokenize(readFileSync(join(root!, 'train', 'neg', '0_3.txt'), 'utf8'));
  let sample: Float32Array | undefined;
  for await (const b of ds.batches(4)) {
    sample = b.x.data.subarray(0, 64);
    break;
  }
  const tail = words.slice(-64);
  assert.equal(tail.length, 64, 'the first review is longer than 64 words');
  for (let i = 0; i < 64; i++) {
    const k = top.indexOf(tail[i]);
    if (k >= 0) assert.equal(sample![i], 2 + k, `position ${i}: '${tail[i]}' is the ${k + 1}. most frequent word`);
    else assert.ok(sample![i] > 11 || sample![i] === 1, `position ${i}: '${tail[i]}' → ${sample![i]}`);
  }
  // With vocabSize 10 only the 8 most frequent words keep ids; 'i' and 'this' become unknown (1).
  let small: Float32Array | undefined;
  for await (const b of (await openDataset(root!, { split: 'train', vocabSize: 10, sequenceLength: 64 })).batches(1)) {
    small = b.x.data;
    break;
  }
  for (let i = 0; i < 64; i++) {
    const k = top.indexOf(tail[i]);
    assert.equal(small![i], k >= 0 && k < 8 ? 2 + k : 1, `position ${i}: '${tail[i]}'`);
  }
});
