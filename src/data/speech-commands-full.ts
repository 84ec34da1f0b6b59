/**
 * The full Google Speech Commands v0.02 archive (`speech_commands_v0.02.tar.gz`) as the 12-class keyword-spotting
 * task: `<root>/<word>/<speaker>_nohash_<n>.wav` for 35 words, `<root>/_background_noise_/*.wav` (six recordings
 * of a minute or more), and the official split lists `validation_list.txt` and `testing_list.txt` (one
 * `<word>/<file>.wav` per line).
 *
 * The task is built the way TensorFlow Datasets builds its `speech_commands` training and validation splits
 * (tensorflow/datasets, `tensorflow_datasets/datasets/speech_commands/speech_commands_dataset_builder.py`):
 *
 * - Labels (`SPEECH_COMMANDS_CLASSES`, msat's order): yes, no, up, down, left, right, on, off, stop, go are
 *   themselves; every other word folder is `_unknown_`; `_silence_` is windows of the background recordings.
 * - Split: a path listed in validation_list.txt is `'validation'`, one listed in testing_list.txt `'test'`,
 *   every other WAV (background recordings included) `'train'`. `_background_noise_/running_tap.wav` counts
 *   as listed for validation, so the validation split has silence of its own.
 * - Silence: a recording of n samples gives the one-second windows (16,000 samples) starting at 0, 8,000,
 *   16,000, … while start < n − 16,000 (TFDS's `range(0, n − 16000, 8000)`: half-second hops, and a last
 *   window ending exactly at the end is left out). The test split has no silence: TFDS takes its test split,
 *   silence included, from the separate official test-set archive (`speech-commands-wav`).
 * - Samples: every clip through the speech front-end exactly as `speech-commands-wav` reads it
 *   (`speech/clip-samples.ts`), `[1, 98, 40]`. Order: by class, then path (word folder, then file name; for
 *   `_silence_` recording name, then window start).
 *
 * Word folders are the sub-folders of `<root>` whose names do not start with `_`: the test-set archive's
 * `_unknown_` and `_silence_`, should it be extracted on top, are not words.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import type { Dataset, DatasetSplit, ResolvedDatasetOptions } from './dataset.js';
import { listDir, pathKind } from './files.js';
import { buildNormalizationTables } from './normalize.js';
import { readWav } from './audio/wav.js';
import { SPEECH_COMMANDS_CLASSES } from './speech/classes.js';
import { SPEECH_SAMPLE_SHAPE, createSpeechClipReader, type SpeechClip } from './speech/clip-samples.js';

const WAV_FILE = /\.wav$/i;
export const SPEECH_COMMANDS_BACKGROUND_FOLDER = '_background_noise_';
export const SPEECH_COMMANDS_SPLIT_LISTS = { validation: 'validation_list.txt', test: 'testing_list.txt' } as const;
/** The background recording TFDS keeps for the validation split's silence. */
export const SPEECH_COMMANDS_VALIDATION_NOISE = `${SPEECH_COMMANDS_BACKGROUND_FOLDER}/running_tap.wav`;
/** One second at 16 kHz: the length of a silence window. */
export const SILENCE_WINDOW_SAMPLES = 16000;
/** Half a second: the step between silence windows. */
export const SILENCE_HOP_SAMPLES = 8000;

const UNKNOWN = SPEECH_COMMANDS_CLASSES.indexOf('_unknown_');
const SILENCE = SPEECH_COMMANDS_CLASSES.indexOf('_silence_');

/** Start samples of the silence windows of a background recording of `length` samples (see the file comment). */
export function silenceWindowStarts(length: number): number[] {
  const starts: number[] = [];
  for (let start = 0; start < length - SILENCE_WINDOW_SAMPLES; start += SILENCE_HOP_SAMPLES) starts.push(start);
  return starts;
}

/**
 * Whether `dir` is the full archive's layout: a keyword folder with `.wav` files, and a split list or a
 * `_background_noise_` folder beside it (the official test set has neither).
 */
export async function isSpeechCommandsFullFolder(dir: string): Promise<boolean> {
  let words = false;
  for (const word of SPEECH_COMMANDS_CLASSES.slice(0, 10)) {
    const sub = join(dir, word);
    if ((await pathKind(sub)) !== 'dir') continue;
    words = (await listDir(sub)).some((e) => !e.isDirectory() && WAV_FILE.test(e.name));
    break;
  }
  if (!words) return false;
  for (const list of Object.values(SPEECH_COMMANDS_SPLIT_LISTS)) if ((await pathKind(join(dir, list))) === 'file') return true;
  return (await pathKind(join(dir, SPEECH_COMMANDS_BACKGROUND_FOLDER))) === 'dir';
}

/** The paths of a split list, `<word>/<file>.wav` with `/` separators. */
async function readSplitList(dir: string, name: string): Promise<Set<string>> {
  const file = join(dir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new MsatError(
      'DATA_NOT_FOUND',
      `${dir}: the full Speech Commands archive needs its split lists validation_list.txt and testing_list.txt; cannot read ${file} (${(e as Error).message})`,
      { cause: e },
    );
  }
  return new Set(
    text
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/\\/g, '/'))
      .filter((line) => line !== ''),
  );
}

/** Opens the `options.split` clips of the full archive at `dir`; see the file comment for the rule. */
export async function openSpeechCommandsFullDataset(dir: string, options: ResolvedDatasetOptions): Promise<Dataset> {
  if (options.resize || options.set !== undefined) {
    throw new MsatError('DATA_OPTIONS', `${dir} is a full Speech Commands archive of WAV clips; imageSize and set do not apply`);
  }
  const validation = await readSplitList(dir, SPEECH_COMMANDS_SPLIT_LISTS.validation);
  const testing = await readSplitList(dir, SPEECH_COMMANDS_SPLIT_LISTS.test);
  validation.add(SPEECH_COMMANDS_VALIDATION_NOISE);
  const splitOf = (path: string): DatasetSplit => (validation.has(path) ? 'validation' : testing.has(path) ? 'test' : 'train');
  const wanted = options.split;

  // Word clips by class, then path: the keywords in class order, then every other word as _unknown_.
  const folders = (await listDir(dir)).filter((e) => e.isDirectory() && !e.name.startsWith('_')).map((e) => e.name);
  const keywords = new Map(SPEECH_COMMANDS_CLASSES.slice(0, 10).map((w, i) => [w, i]));
  const ordered = [
    ...folders.filter((f) => keywords.has(f)).sort((a, b) => keywords.get(a)! - keywords.get(b)!),
    ...folders.filter((f) => !keywords.has(f)),
  ];
  const clips: SpeechClip[] = [];
  const labels: number[] = [];
  for (const word of ordered) {
    if (clips.length >= options.limit) break;
    const label = keywords.get(word) ?? UNKNOWN;
    for (const e of await listDir(join(dir, word))) {
      if (clips.length >= options.limit) break;
      if (e.isDirectory() || !WAV_FILE.test(e.name) || splitOf(`${word}/${e.name}`) !== wanted) continue;
      clips.push(join(dir, word, e.name));
      labels.push(label);
    }
  }

  // Silence: one-second windows of the background recordings of this split, decoded once and kept.
  const noiseDir = join(dir, SPEECH_COMMANDS_BACKGROUND_FOLDER);
  if (clips.length < options.limit && (await pathKind(noiseDir)) === 'dir') {
    for (const e of await listDir(noiseDir)) {
      if (clips.length >= options.limit) break;
      if (e.isDirectory() || !WAV_FILE.test(e.name) || splitOf(`${SPEECH_COMMANDS_BACKGROUND_FOLDER}/${e.name}`) !== wanted) continue;
      const { samples } = await readWav(join(noiseDir, e.name));
      for (const start of silenceWindowStarts(samples.length)) {
        if (clips.length >= options.limit) break;
        clips.push({ recording: samples, start, length: SILENCE_WINDOW_SAMPLES });
        labels.push(SILENCE);
      }
    }
  }
  if (clips.length === 0) {
    const listed = wanted === 'train' ? 'in neither split list' : `in ${SPEECH_COMMANDS_SPLIT_LISTS[wanted]}`;
    throw new MsatError('DATA_NOT_FOUND', `${dir}: no ${wanted} clips (WAV files ${listed}) in its word folders`);
  }
  const luts = buildNormalizationTables(options.mean, options.std, 1, dir, options.normalizationFrom);
  return new BatchedDataset({
    format: 'speech-commands-full',
    root: dir,
    split: wanted,
    sampleShape: SPEECH_SAMPLE_SHAPE,
    classes: SPEECH_COMMANDS_CLASSES,
    labels: Int32Array.from(labels),
    reader: createSpeechClipReader(clips, luts),
  });
}
