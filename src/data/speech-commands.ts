/**
 * Google Speech Commands v0.02 as spectrogram images: `<root>/<word>/<speaker>_nohash_<n>.<word>.jpg`, one
 * 98 (time) × 40 (mel band) grayscale JPEG per one-second clip, in the folders `yes` … `go`, `unknown` (other
 * words) and `_background_noise_` (`<n>_background.jpg`, random one-second crops of the noise recordings).
 *
 * - Classes: `SPEECH_COMMANDS_CLASSES` (yes, no, up, down, left, right, on, off, stop, go, _unknown_, _silence_);
 *   `_silence_` is the background-noise images.
 * - Split: the official hash split (`speech/hash-split.ts`); `'train'` is its training set, `'validation'` its
 *   validation set (10 %), `'test'` its testing set (10 %). Background images have no speaker, so each is hashed by its own
 *   name (`51889_background`): a random 80/10/10 split. The images are shuffled crops of six long recordings, so
 *   test crops may overlap training crops of the same recording, as in TensorFlow's own recipe, which draws
 *   silence for every set from the same noise files.
 * - Samples `[1, 98, 40]` (NCHW with H = time, W = mel band, the images' own orientation), normalized like images:
 *   (pixel/255 − mean) / std. Dataset order: by class, then file name (code-unit order).
 */
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import type { Dataset, ResolvedDatasetOptions } from './dataset.js';
import { listDir, pathKind } from './files.js';
import { createImageSampleReader, probeImageShape } from './image-samples.js';
import { buildNormalizationTables } from './normalize.js';
import { SPEECH_COMMANDS_CLASSES, SPEECH_COMMANDS_FOLDERS } from './speech/classes.js';
import { hashedNamePart, speechCommandsSet, type SpeechCommandsSet } from './speech/hash-split.js';

const IMAGE_FILE = /\.(jpe?g|png)$/i;
const CLIP_IMAGE = /_nohash_.*\.(jpe?g|png)$/i;

/** Whether `dir` holds Speech Commands spectrogram folders: a keyword folder with `*_nohash_*.jpg` images. */
export async function isSpeechCommandsFolder(dir: string): Promise<boolean> {
  for (const word of SPEECH_COMMANDS_CLASSES.slice(0, 10)) {
    const sub = join(dir, word);
    if ((await pathKind(sub)) !== 'dir') continue;
    return (await listDir(sub)).some((e) => !e.isDirectory() && CLIP_IMAGE.test(e.name));
  }
  return false;
}

/** The folder of each class under `dir` (the first existing name of `SPEECH_COMMANDS_FOLDERS`); all 12 must exist. */
async function classFolders(dir: string): Promise<string[]> {
  const found: string[] = [];
  const missing: string[] = [];
  for (const c of SPEECH_COMMANDS_CLASSES) {
    let folder: string | undefined;
    for (const name of SPEECH_COMMANDS_FOLDERS[c]) {
      if ((await pathKind(join(dir, name))) === 'dir') {
        folder = join(dir, name);
        break;
      }
    }
    if (folder) found.push(folder);
    else missing.push(SPEECH_COMMANDS_FOLDERS[c].join(' or '));
  }
  if (missing.length > 0) {
    throw new MsatError('DATA_NOT_FOUND', `${dir}: Speech Commands folder lacks the class folder(s) ${missing.join(', ')}`);
  }
  return found;
}

/** Opens the training (`split: 'train'`), validation or testing (`'test'`) images of the spectrogram folder `dir`. */
export async function openSpeechCommandsDataset(dir: string, options: ResolvedDatasetOptions): Promise<Dataset> {
  if (options.resize || options.set !== undefined) {
    throw new MsatError('DATA_OPTIONS', `${dir} is a Speech Commands spectrogram folder of fixed-size images; imageSize and set do not apply`);
  }
  const wanted: SpeechCommandsSet = options.split === 'train' ? 'training' : options.split === 'validation' ? 'validation' : 'testing';
  const folders = await classFolders(dir);
  const files: string[] = [];
  const labels: number[] = [];
  // One speaker has many clips; hash each speaker once.
  const setOfSpeaker = new Map<string, SpeechCommandsSet>();
  const setOf = (name: string): SpeechCommandsSet => {
    const key = hashedNamePart(name);
    let set = setOfSpeaker.get(key);
    if (set === undefined) setOfSpeaker.set(key, (set = speechCommandsSet(name)));
    return set;
  };
  for (let c = 0; c < folders.length && files.length < options.limit; c++) {
    for (const e of await listDir(folders[c])) {
      if (e.isDirectory() || !IMAGE_FILE.test(e.name) || setOf(e.name) !== wanted) continue;
      if (files.length >= options.limit) break;
      files.push(join(folders[c], e.name));
      labels.push(c);
    }
  }
  if (files.length === 0) throw new MsatError('DATA_NOT_FOUND', `${dir}: no ${wanted} images in its class folders`);
  const shape = await probeImageShape(files[0], undefined);
  const luts = buildNormalizationTables(options.mean, options.std, shape.channels, dir, options.normalizationFrom);
  return new BatchedDataset({
    format: 'speech-commands',
    root: dir,
    split: options.split,
    sampleShape: [shape.channels, shape.height, shape.width],
    classes: SPEECH_COMMANDS_CLASSES,
    labels: Int32Array.from(labels),
    reader: createImageSampleReader(files, shape, luts, undefined, options.concurrency),
  });
}
