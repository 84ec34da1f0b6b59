/**
 * The IMDB text path on small folders written here: the tokenizer's rules, the vocabulary's ranking and
 * tie-break, truncation/padding, dataset order and labels, the vocabulary coming from the training split only,
 * and the errors for malformed folders and files. The real 50,000 reviews are in
 * `test/integration/data-imdb.test.ts`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { encodeSequence, openDataset, rankWords, tokenize, vocabularyLookup, type Dataset } from '../../src/data/index.js';
import { textOptionsOfMetadata } from '../../src/model/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-data-imdb-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes an IMDB folder: `reviews[split][class]` is a list of [file name, text]. */
function writeImdb(name: string, reviews: Record<string, Record<string, [string, string | Uint8Array][]>>): string {
  const root = join(tmp, name);
  for (const [split, classes] of Object.entries(reviews)) {
    for (const [cls, files] of Object.entries(classes)) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (const [file, text] of files) writeFileSync(join(root, split, cls, file), text);
    }
  }
  return root;
}

async function allSamples(ds: Dataset): Promise<number[][]> {
  const out: number[][] = [];
  const T = ds.sampleShape[0];
  for await (const b of ds.batches(2)) for (let j = 0; j < b.labels.length; j++) out.push(Array.from(b.x.data.subarray(j * T, (j + 1) * T)));
  return out;
}

async function expectCode(p: Promise<unknown>, code: string, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `message should mention ${part}: ${e.message}`);
    return true;
  });
}

test('tokenize: lower-case, <br /> removed, runs of letters/digits/apostrophes, edge apostrophes dropped', () => {
  assert.deepEqual(tokenize("Don't SKIP it!<br /><br />It's 10/10 -- 'really' a cliché..."), [
    "don't",
    'skip',
    'it',
    "it's",
    '10',
    '10',
    'really',
    'a',
    'cliché',
  ]);
  assert.deepEqual(tokenize("'' ' -- <BR/>x<br>y"), ['x', 'y']);
  assert.deepEqual(tokenize(''), []);
});

test('vocabulary: most frequent first, ties in code-unit order, ids 0 pad / 1 unknown, prefix of one ranking', () => {
  const words = ['b', 'a', 'c', 'B', 'z'];
  const counts = Int32Array.from([3, 3, 5, 3, 0]); // 'z' never occurs in training
  const ranked = rankWords(counts, words);
  assert.deepEqual(
    Array.from(ranked, (id) => words[id]),
    ['c', 'B', 'a', 'b'],
  ); // 'B' < 'a' < 'b' in code units
  assert.deepEqual(Array.from(vocabularyLookup(ranked, words.length, 4)), [1, 1, 2, 3, 1]); // b, a unknown; c=2, B=3
  assert.deepEqual(Array.from(vocabularyLookup(ranked, words.length, 100)), [5, 4, 2, 3, 1]);
});

test('encodeSequence keeps the last words and pads in front with 0', () => {
  const lookup = Int32Array.from([2, 3, 4, 5, 6]);
  const dst = new Float32Array(8).fill(-1);
  encodeSequence(Int32Array.from([0, 1, 2, 3, 4]), lookup, 3, dst, 1);
  assert.deepEqual(Array.from(dst), [-1, 4, 5, 6, -1, -1, -1, -1]);
  encodeSequence(Int32Array.from([4, 0]), lookup, 4, dst, 4);
  assert.deepEqual(Array.from(dst.subarray(4)), [0, 0, 6, 2]);
});

test('IMDB folder: neg then pos by numeric id, vocabulary from the training split only', async () => {
  const root = writeImdb('small', {
    train: {
      neg: [
        ['10_1.txt', 'bad bad movie'],
        ['9_2.txt', 'awful<br />bad'],
      ],
      pos: [
        ['2_9.txt', 'good movie'],
        ['0_10.txt', 'Good good GREAT'],
      ],
    },
    // 'zebra' is everywhere in test but absent from train: it must be unknown.
    test: { neg: [['1_3.txt', 'zebra zebra zebra bad']], pos: [['3_8.txt', 'great zebra']] },
  });
  const train = await openDataset(root, { split: 'train', vocabSize: 5, sequenceLength: 4 });
  assert.equal(train.format, 'imdb');
  assert.deepEqual(train.classes, ['neg', 'pos']);
  assert.deepEqual(train.sampleShape, [4]);
  assert.deepEqual(train.text, { vocabSize: 5, sequenceLength: 4 });
  assert.deepEqual(Array.from(train.labels()), [0, 0, 1, 1]);
  // Training counts: bad 3, good 3, movie 2, awful 1, great 1 → ids bad=2, good=3, movie=4 (vocabSize 5), rest 1.
  assert.deepEqual(await allSamples(train), [
    [0, 0, 1, 2], // 9_2: awful bad (id 9 sorts before 10)
    [0, 2, 2, 4], // 10_1: bad bad movie
    [0, 3, 3, 1], // 0_10: good good great
    [0, 0, 3, 4], // 2_9: good movie
  ]);
  const testSet = await openDataset(root, { vocabSize: 5, sequenceLength: 4 });
  assert.equal(testSet.split, 'test');
  assert.deepEqual(await allSamples(testSet), [
    [1, 1, 1, 2],
    [0, 0, 1, 1],
  ]);
  // every 2 spreads over both classes; limit takes the first of the dataset order.
  assert.deepEqual(Array.from((await openDataset(root, { split: 'train', every: 2 })).labels()), [0, 1]);
  assert.equal((await openDataset(root, { split: 'train', every: 2 })).text?.vocabSize, 20000);
  assert.deepEqual(Array.from((await openDataset(root, { split: 'train', limit: 3 })).labels()), [0, 0, 1]);
});

test('IMDB errors name the file: bad names, invalid UTF-8, empty reviews; pixel and text options where they do not apply', async () => {
  const badName = writeImdb('bad-name', {
    train: {
      neg: [
        ['1_1.txt', 'a'],
        ['notes.md', 'x'],
      ],
      pos: [['2_9.txt', 'b']],
    },
  });
  await expectCode(openDataset(badName, { split: 'train' }), 'DATA_FORMAT', join(badName, 'train', 'neg', 'notes.md'));
  const badUtf8 = writeImdb('bad-utf8', { train: { neg: [['1_1.txt', Uint8Array.from([0x61, 0xff, 0xfe])]], pos: [['2_9.txt', 'b']] } });
  await expectCode(openDataset(badUtf8, { split: 'train' }), 'DATA_CORRUPT', join(badUtf8, 'train', 'neg', '1_1.txt'));
  const empty = writeImdb('empty', { train: { neg: [['1_1.txt', 'a']], pos: [['2_9.txt', '']] } });
  await expectCode(openDataset(empty, { split: 'train' }), 'DATA_CORRUPT', join(empty, 'train', 'pos', '2_9.txt'));
  // A failed read is not cached: once the file is fixed the folder opens.
  writeFileSync(join(empty, 'train', 'pos', '2_9.txt'), 'fine');
  assert.equal((await openDataset(empty, { split: 'train' })).length, 2);
  await expectCode(openDataset(empty, { split: 'train', mean: [0.5] }), 'DATA_OPTIONS', 'token ids');
  await expectCode(openDataset(empty, { split: 'train', vocabSize: 2 }), 'DATA_OPTIONS', 'vocabSize');
  // The vocabulary needs the training split even when the test split is asked for.
  const noTrain = writeImdb('no-train', { test: { neg: [['1_1.txt', 'a']], pos: [['2_9.txt', 'b']] } });
  await expectCode(openDataset(noTrain), 'DATA_NOT_FOUND', join(noTrain, 'train', 'neg'));
  const images = join(tmp, 'images', 'train', 'cat');
  mkdirSync(images, { recursive: true });
  writeFileSync(join(images, 'x.png'), 'not really a png');
  await expectCode(openDataset(join(tmp, 'images'), { sequenceLength: 8 }), 'DATA_OPTIONS', 'vocabSize and sequenceLength');
});

test('textOptionsOfMetadata reads what msat train records', () => {
  assert.deepEqual(textOptionsOfMetadata({ 'msat.vocabSize': '5000', 'msat.sequenceLength': '400' }), { vocabSize: 5000, sequenceLength: 400 });
  assert.deepEqual(textOptionsOfMetadata({ 'msat.mean': '[0]' }), {});
  assert.throws(
    () => textOptionsOfMetadata({ 'msat.vocabSize': 'many' }),
    (e: unknown) => isMsatError(e) && e.code === 'MODEL_METADATA',
  );
});
