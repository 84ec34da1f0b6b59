/**
 * Speech Commands spectrograms (`.cache/datasets/speech-commands-spectrograms`) and the official test-set WAV
 * subset (`.cache/datasets/speech-commands-test-wav`): the hash split against the official test list (the WAV
 * subset holds the first 100 official test clips of each label), the counts per split and class, order and
 * pixels, and the WAV folder as a dataset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { SPEECH_COMMANDS_CLASSES, findCachedDataset, hashPercentage, hashedNamePart, openDataset, speechCommandsSet } from '../../src/data/index.js';

const images = findCachedDataset('speech-commands-spectrograms');
const wavs = findCachedDataset('speech-commands-test-wav');
const skip = images && wavs ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';
const WORDS = SPEECH_COMMANDS_CLASSES.slice(0, 10);

test('hash split: the low-27-bit shortcut equals the whole SHA-1 integer mod 2^27 (as TensorFlow computes it)', () => {
  for (let i = 0; i < 500; i++) {
    const name = `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}`;
    const big = BigInt(`0x${createHash('sha1').update(name).digest('hex')}`) % 2n ** 27n;
    assert.equal(hashPercentage(name), Number(big) * (100 / (2 ** 27 - 1)), name);
  }
  assert.equal(hashedNamePart('0a7c2a8d_nohash_3.yes.jpg'), '0a7c2a8d');
  assert.equal(hashedNamePart('51889_background.jpg'), '51889_background');
});

test('hash split agrees with the official test list: the first 100 testing clips of each keyword are the WAV subset', { skip }, () => {
  for (const word of WORDS) {
    const official = readdirSync(join(wavs!, word))
      .sort()
      .map((f) => f.replace(/\.wav$/, ''));
    const ours = readdirSync(join(images!, word))
      .sort()
      .filter((f) => speechCommandsSet(f) === 'testing')
      .slice(0, 100)
      .map((f) => f.replace(`.${word}.jpg`, ''));
    assert.deepEqual(ours, official, word);
  }
  // The _unknown_ clips of the official test set (named <word>_<clip>.wav.wav) hash to testing as well.
  const unknown = readdirSync(join(wavs!, '_unknown_')).map((f) => f.replace(/^[a-z]+_/, ''));
  assert.ok(unknown.every((f) => speechCommandsSet(f) === 'testing'));
});

test('Speech Commands spectrograms: counts per split and class, class order, [1, 98, 40] samples with the JPEG pixels', { skip }, async (t) => {
  const started = performance.now();
  const train = await openDataset(images!, { split: 'train' });
  const testSet = await openDataset(images!);
  t.diagnostic(`open train + test (52,889 names listed and hashed): ${(performance.now() - started).toFixed(0)} ms`);
  const perClass = (labels: Int32Array): number[] => {
    const counts = new Array<number>(12).fill(0);
    for (const l of labels) counts[l]++;
    return counts;
  };
  assert.equal(train.format, 'speech-commands');
  assert.deepEqual(train.classes, SPEECH_COMMANDS_CLASSES);
  assert.deepEqual(train.sampleShape, [1, 98, 40]);
  //                                         yes   no    up  down  left right   on   off stop    go  _unknown_ _silence_
  assert.deepEqual(perClass(train.labels()), [3228, 3130, 2948, 3134, 3037, 3019, 3086, 2970, 3111, 3106, 10704, 790]);
  assert.deepEqual(perClass(testSet.labels()), [419, 405, 425, 406, 412, 396, 396, 402, 411, 402, 1387, 104]);
  assert.equal(train.length, 42263);
  assert.equal(testSet.length, 5565);
  t.diagnostic(`train ${train.length}, test ${testSet.length} (validation, in neither: ${52889 - train.length - testSet.length})`);
  const labels = testSet.labels();
  assert.ok(
    labels.every((l, i) => i === 0 || labels[i - 1] <= l),
    'sorted by class',
  );

  // Test sample 0 is the first official 'yes' test clip; its pixels /255, as sharp decodes the JPEG.
  const first = readdirSync(join(wavs!, 'yes'))
    .sort()[0]
    .replace(/\.wav$/, '.yes.jpg');
  const { data } = await sharp(join(images!, 'yes', first))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  for await (const b of testSet.batches(2)) {
    assert.deepEqual(b.x.dims, [2, 1, 98, 40]);
    assert.deepEqual(
      b.x.data.subarray(0, 3920),
      Float32Array.from(data, (v) => v / 255),
    );
    break;
  }
});

test('the official test-set WAV folder is a dataset: 1,200 clips through the front-end, test split only', { skip }, async () => {
  const ds = await openDataset(wavs!, { limit: 150, mean: [0.5], std: [0.25] });
  assert.equal(ds.format, 'speech-commands-wav');
  assert.equal(ds.split, 'test');
  assert.deepEqual(ds.sampleShape, [1, 98, 40]);
  assert.deepEqual(ds.classes, SPEECH_COMMANDS_CLASSES);
  assert.deepEqual(Array.from(ds.labels().slice(98, 102)), [0, 0, 1, 1]);
  assert.equal((await openDataset(wavs!)).length, 1200);
  let seen = 0;
  for await (const b of ds.batches(64)) {
    for (const v of b.x.data) assert.ok(v >= -2 && v <= 2, 'normalized pixels lie in [(0 − 0.5)/0.25, (1 − 0.5)/0.25]');
    seen += b.labels.length;
  }
  assert.equal(seen, 150);
  await assert.rejects(openDataset(wavs!, { split: 'train' }), /no 'train' split/);
});
