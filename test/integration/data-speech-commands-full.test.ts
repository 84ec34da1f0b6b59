/**
 * The full Speech Commands archive layout (`speech_commands_v0.02.tar.gz`), rebuilt here from the real clips
 * of the official test-set WAV subset (`.cache/datasets/speech-commands-test-wav`): word folders holding the
 * clips as the archive stores them (without the test set's zero padding), `_unknown_` clips moved back into
 * their own word folders, `_background_noise_` recordings made by joining real `_silence_` clips, and the two
 * split lists. Checked: which split each clip lands in, the 12-class labels and order, the silence windows,
 * that a clip reads exactly as the test-set reader reads it, and the CLI's `--split validation`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SILENCE_WINDOW_SAMPLES,
  SPEECH_COMMANDS_CLASSES,
  createSpectrogramMaker,
  findCachedDataset,
  openDataset,
  readWav,
  silenceWindowStarts,
  speechCommandsSet,
  trimTrailingZeros,
  type Dataset,
} from '../../src/data/index.js';
import { ROOT, runCli } from '../cli-helpers.js';

const wavs = findCachedDataset('speech-commands-test-wav');
const images = findCachedDataset('speech-commands-spectrograms');
const skip = wavs ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';
const KEYWORDS = SPEECH_COMMANDS_CLASSES.slice(0, 10);
const UNKNOWN = 10;
const SILENCE = 11;
/** Clips taken per keyword: the first is listed for validation, the second for testing, the rest train. */
const PER_WORD = 5;
/** Unknown words used, two clips each: word 0's first clip is listed for validation, word 1's for testing. */
const UNKNOWN_WORDS = ['backward', 'bed', 'bird'];

const tmp = mkdtempSync(join(tmpdir(), 'msat-speech-full-'));
const full = join(tmp, 'speech_commands_v0.02');

/** 16 kHz mono 16-bit PCM WAV bytes of `samples`. */
function wavBytes(samples: Int16Array): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One fixture clip: its path in the archive layout and where the test-set subset has it. */
interface Clip {
  readonly path: string;
  readonly label: number;
  readonly testSetPosition: number;
}

const clips: { train: Clip[]; validation: Clip[]; test: Clip[] } = { train: [], validation: [], test: [] };
/** The `_silence_` clips of the test set the recordings are made of, by name. */
let silenceNames: string[] = [];
const recordings = new Map<string, Int16Array>();
let shortened = 0;

before(async () => {
  if (!wavs) return;
  mkdirSync(full);
  const validationList: string[] = [];
  const testingList: string[] = [];
  const put = async (from: string, path: string, label: number, testSetPosition: number, set: keyof typeof clips): Promise<void> => {
    const { samples } = await readWav(from);
    // The test set pads every clip to one second with zeros; the archive keeps the clip's own length.
    const own = trimTrailingZeros(samples);
    if (own.length < samples.length) shortened++;
    mkdirSync(join(full, path.split('/')[0]), { recursive: true });
    writeFileSync(join(full, path), wavBytes(own));
    clips[set].push({ path, label, testSetPosition });
    if (set === 'validation') validationList.push(path);
    if (set === 'test') testingList.push(path);
  };
  // The test-set reader's order: class by class, each folder by file name, 100 clips per folder.
  for (const [c, word] of KEYWORDS.entries()) {
    const names = readdirSync(join(wavs, word)).sort().slice(0, PER_WORD);
    for (const [i, name] of names.entries()) {
      await put(join(wavs, word, name), `${word}/${name}`, c, c * 100 + i, i === 0 ? 'validation' : i === 1 ? 'test' : 'train');
    }
  }
  const unknownNames = readdirSync(join(wavs, '_unknown_')).sort();
  for (const [w, word] of UNKNOWN_WORDS.entries()) {
    const ofWord = unknownNames.filter((n) => n.startsWith(`${word}_`)).slice(0, 2);
    for (const [i, name] of ofWord.entries()) {
      const set = i === 0 && w === 0 ? 'validation' : i === 0 && w === 1 ? 'test' : 'train';
      // `_unknown_/bed_0c40e715_nohash_0.wav.wav` is `bed/0c40e715_nohash_0.wav` in the archive.
      const path = `${word}/${name.slice(word.length + 1).replace(/\.wav\.wav$/, '.wav')}`;
      await put(join(wavs, '_unknown_', name), path, UNKNOWN, UNKNOWN * 100 + unknownNames.indexOf(name), set);
    }
  }
  // Background recordings: real one-second silence clips joined end to end.
  silenceNames = readdirSync(join(wavs, '_silence_')).sort();
  const silence = await Promise.all(silenceNames.slice(0, 10).map(async (n) => (await readWav(join(wavs, '_silence_', n))).samples));
  recordings.set('running_tap.wav', concat(silence.slice(0, 3))); // 3 s: validation
  recordings.set('white_noise.wav', concat([...silence.slice(3, 7), silence[7].subarray(0, 8000)])); // 4.5 s
  recordings.set('pink_noise.wav', concat(silence.slice(8, 10))); // exactly 2 s
  mkdirSync(join(full, '_background_noise_'));
  for (const [name, samples] of recordings) writeFileSync(join(full, '_background_noise_', name), wavBytes(samples));
  writeFileSync(join(full, '_background_noise_', 'README.md'), 'background noise recordings\n');
  writeFileSync(join(full, 'validation_list.txt'), validationList.join('\n') + '\n');
  writeFileSync(join(full, 'testing_list.txt'), testingList.join('\r\n') + '\r\n');
  writeFileSync(join(full, 'LICENSE'), 'CC BY 4.0\n');
  writeFileSync(join(full, 'README.md'), 'Speech Commands Data Set v0.02\n');
});

after(() => rmSync(tmp, { recursive: true, force: true }));

/** The samples at `positions` of `ds`, one Float32Array each. */
async function samplesAt(ds: Dataset, positions: number[]): Promise<Float32Array[]> {
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const out: Float32Array[] = [];
  for await (const b of ds.batches(positions.length, { order: positions })) {
    for (let j = 0; j < b.labels.length; j++) out.push(b.x.data.slice(j * size, (j + 1) * size));
  }
  return out;
}

/** Labels in dataset order: the clips by class, then path; then `silence` windows. */
function expectedLabels(set: Clip[], silence: number): number[] {
  const sorted = [...set].sort((a, b) => a.label - b.label || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [...sorted.map((c) => c.label), ...new Array<number>(silence).fill(SILENCE)];
}

test('silence windows start every half second and stop before a window that would end at the recording end', () => {
  assert.equal(SILENCE_WINDOW_SAMPLES, 16000);
  assert.deepEqual(silenceWindowStarts(48000), [0, 8000, 16000, 24000]);
  assert.deepEqual(silenceWindowStarts(32000), [0, 8000]);
  assert.deepEqual(silenceWindowStarts(32001), [0, 8000, 16000]);
  assert.deepEqual(silenceWindowStarts(16001), [0]);
  assert.deepEqual(silenceWindowStarts(16000), []);
  assert.deepEqual(silenceWindowStarts(9000), []);
});

test('the full archive layout splits by its lists: listed clips are validation or test, the rest and the noise train', { skip }, async () => {
  const train = await openDataset(full, { split: 'train' });
  const validation = await openDataset(full, { split: 'validation' });
  const testSet = await openDataset(full, { split: 'test' });
  for (const [ds, split] of [
    [train, 'train'],
    [validation, 'validation'],
    [testSet, 'test'],
  ] as const) {
    assert.equal(ds.format, 'speech-commands-full');
    assert.equal(ds.split, split);
    assert.equal(ds.root, full);
    assert.deepEqual(ds.sampleShape, [1, 98, 40]);
    assert.deepEqual(ds.classes, SPEECH_COMMANDS_CLASSES);
  }
  // Training silence: pink_noise (2 s: windows at 0 and 0.5 s) then white_noise (4.5 s: 7 windows); running_tap
  // (3 s: 4 windows) is the validation split's; the test split has none.
  assert.deepEqual([...train.labels()], expectedLabels(clips.train, 2 + 7));
  assert.deepEqual([...validation.labels()], expectedLabels(clips.validation, 4));
  assert.deepEqual([...testSet.labels()], expectedLabels(clips.test, 0));
  assert.equal(train.length, 10 * (PER_WORD - 2) + 4 + 9);
  assert.equal(validation.length, 10 + 1 + 4);
  assert.equal(testSet.length, 10 + 1);
  // The default split is the test split, as for every format; --limit takes the first N of the order.
  assert.deepEqual([...(await openDataset(full)).labels()], [...testSet.labels()]);
  assert.deepEqual([...(await openDataset(full, { split: 'train', limit: 5 })).labels()], [0, 0, 0, 1, 1]);
});

test('every other word is _unknown_, and a clip reads exactly as the official test-set reader reads it', { skip }, async () => {
  assert.ok(shortened > 0, 'some fixture clips are shorter than the zero-padded test-set copies');
  const testSetReader = await openDataset(wavs!, { mean: [0.5], std: [0.25] });
  for (const split of ['train', 'validation', 'test'] as const) {
    const ds = await openDataset(full, { split, mean: [0.5], std: [0.25] });
    const set = [...clips[split]].sort((a, b) => a.label - b.label || (a.path < b.path ? -1 : 1));
    const ours = await samplesAt(
      ds,
      set.map((_, i) => i),
    );
    const theirs = await samplesAt(
      testSetReader,
      set.map((c) => c.testSetPosition),
    );
    assert.deepEqual(
      set.map((c) => c.label),
      [...ds.labels()].slice(0, set.length),
    );
    for (let i = 0; i < set.length; i++) assert.deepEqual(ours[i], theirs[i], `${split}: ${set[i].path}`);
  }
  const train = await openDataset(full, { split: 'train' });
  const unknownWords = clips.train.filter((c) => c.label === UNKNOWN).map((c) => c.path.split('/')[0]);
  assert.deepEqual([...new Set(unknownWords)].sort(), UNKNOWN_WORDS);
  assert.equal([...train.labels()].filter((l) => l === UNKNOWN).length, unknownWords.length);
});

test('silence samples are one-second windows of the background recordings', { skip }, async () => {
  const validation = await openDataset(full, { split: 'validation' });
  const train = await openDataset(full, { split: 'train' });
  const testSetReader = await openDataset(wavs!);
  const silenceAt = (name: string): number => SILENCE * 100 + silenceNames.indexOf(name);
  // running_tap.wav is test-set silence clips 0, 1, 2 joined: its windows at 0 s and 1 s are clips 0 and 1.
  const firstSilence = validation.length - 4;
  const [w0, w1, w2] = await samplesAt(validation, [firstSilence, firstSilence + 1, firstSilence + 2]);
  const [s0, s1] = await samplesAt(testSetReader, [silenceAt(silenceNames[0]), silenceAt(silenceNames[1])]);
  assert.deepEqual(w0, s0);
  assert.deepEqual(w2, s1);
  // The window at 0.5 s straddles clips 0 and 1: the front-end image of those samples, pixels / 255.
  const maker = createSpectrogramMaker();
  const tap = recordings.get('running_tap.wav')!;
  assert.deepEqual(
    w1,
    Float32Array.from(maker.image(tap.subarray(8000, 24000)), (v) => v / 255),
  );
  // Training silence starts with pink_noise.wav (clips 8 and 9), then white_noise.wav (clips 3 … 7).
  const trainSilence = train.length - 9;
  const [p0, white2s] = await samplesAt(train, [trainSilence, trainSilence + 2 + 4]);
  const [s8, s5] = await samplesAt(testSetReader, [silenceAt(silenceNames[8]), silenceAt(silenceNames[5])]);
  assert.deepEqual(p0, s8);
  assert.deepEqual(white2s, s5);
});

test('a full archive without its split lists, or with image options, is refused; other datasets have no validation split', { skip }, async () => {
  const bare = join(tmp, 'no-lists');
  mkdirSync(join(bare, 'yes'), { recursive: true });
  mkdirSync(join(bare, '_background_noise_'));
  writeFileSync(join(bare, 'yes', 'a_nohash_0.wav'), wavBytes(new Int16Array(16000)));
  await assert.rejects(openDataset(bare), { code: 'DATA_NOT_FOUND', message: /needs its split lists validation_list\.txt and testing_list\.txt/ });
  await assert.rejects(openDataset(full, { imageSize: 32 }), { code: 'DATA_OPTIONS', message: /imageSize and set do not apply/ });
  await assert.rejects(openDataset(wavs!, { split: 'validation' }), { code: 'DATA_OPTIONS', message: /no 'validation' split/ });
  await assert.rejects(openDataset('mnist', { split: 'validation' }), {
    code: 'DATA_OPTIONS',
    message: /idx dataset with a train and a test split; it has no validation split/,
  });
});

test(
  'the spectrogram archive exposes its hash-split validation set as the validation split',
  { skip: images ? false : 'dataset cache missing' },
  async () => {
    const validation = await openDataset(images!, { split: 'validation' });
    assert.equal(validation.split, 'validation');
    const folders = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go', 'unknown', '_background_noise_'];
    const perClass = folders.map((f) => readdirSync(join(images!, f)).filter((n) => speechCommandsSet(n) === 'validation').length);
    const counts = new Array<number>(12).fill(0);
    for (const l of validation.labels()) counts[l]++;
    assert.deepEqual(counts, perClass);
    // Beside the 42,263 training and 5,565 test images (data-speech-commands.test.ts), of 52,888 in all.
    assert.equal(validation.length, 52888 - 42263 - 5565);
  },
);

test('msat eval reads the validation split by --split; msat simulate keeps --split to train and test', { skip }, (t) => {
  const model = join(ROOT, 'models', 'speech-commands-cnn.onnx');
  const r = runCli(['eval', '--model', model, '--data', full, '--split', 'validation', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { format: string; split: string; samples: number; accuracy: number };
  assert.deepEqual([report.format, report.split, report.samples], ['speech-commands-full', 'validation', 15]);
  // The shipped model, trained on the spectrogram archive, hears these real clips through the front-end.
  t.diagnostic(`shipped model on the 15 validation samples: ${(100 * report.accuracy).toFixed(1)} %`);
  assert.ok(report.accuracy >= 0.6, `accuracy ${report.accuracy}`);
  const s = runCli(['simulate', '--model', model, '--data', full, '--split', 'validation', '-T', '4']);
  assert.equal(s.status, 2);
  assert.match(s.stderr, /expected train or test, got "validation"/);
});

test('the speech preset runs on the full archive: calibrated on its training clips, simulated on its test clips', { skip }, () => {
  const out = join(tmp, 'experiment');
  const r = runCli(['experiment', 'speech-commands-cnn', '--data', full, '--every', '1', '-T', '8', '--converters', 'const-1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    provenance: { dataset: { path: string; split: string; samples: number }; calibration: { samples: number } };
  };
  const { dataset, calibration } = results.provenance;
  assert.deepEqual([dataset.path, dataset.split, dataset.samples], [full, 'test', clips.test.length]);
  // Every training sample: the clips and the nine silence windows (fewer than the 200 the preset asks for).
  assert.equal(calibration.samples, clips.train.length + 9);
});
