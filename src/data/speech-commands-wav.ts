/**
 * Speech Commands as WAV files in label folders, the layout of the official test set
 * (`speech_commands_test_set_v0.02`: `<root>/{yes,…,go,_unknown_,_silence_}/*.wav`): each clip goes through the
 * speech front-end (`audio/spectrogram-image.ts`) to the same 98 × 40 image the spectrogram archive holds, so a
 * model trained on the archive is evaluated on real audio end to end.
 *
 * Classes and order as `speech-commands.ts` (`SPEECH_COMMANDS_CLASSES`; by class, then file name). The folder is
 * a test set: its split is always `'test'`, and asking for `'train'` or `'validation'` explicitly is an error.
 */
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import type { Dataset, ResolvedDatasetOptions } from './dataset.js';
import { listDir, pathKind } from './files.js';
import { buildNormalizationTables } from './normalize.js';
import { SPEECH_COMMANDS_CLASSES, SPEECH_COMMANDS_FOLDERS } from './speech/classes.js';
import { SPEECH_SAMPLE_SHAPE, createSpeechClipReader } from './speech/clip-samples.js';

const WAV_FILE = /\.wav$/i;

/** Whether `dir` holds Speech Commands label folders of `.wav` files (a keyword folder with a WAV in it). */
export async function isSpeechCommandsWavFolder(dir: string): Promise<boolean> {
  for (const word of SPEECH_COMMANDS_CLASSES.slice(0, 10)) {
    const sub = join(dir, word);
    if ((await pathKind(sub)) !== 'dir') continue;
    return (await listDir(sub)).some((e) => !e.isDirectory() && WAV_FILE.test(e.name));
  }
  return false;
}

/** Opens the WAV label folders of `dir`; a class folder that is missing simply has no samples. */
export async function openSpeechCommandsWavDataset(dir: string, options: ResolvedDatasetOptions): Promise<Dataset> {
  if (options.splitExplicit && options.split !== 'test') {
    throw new MsatError('DATA_OPTIONS', `${dir} is a Speech Commands WAV test set; it has no '${options.split}' split`);
  }
  if (options.resize || options.set !== undefined) {
    throw new MsatError('DATA_OPTIONS', `${dir} is a Speech Commands WAV folder; imageSize and set do not apply`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < SPEECH_COMMANDS_CLASSES.length && files.length < options.limit; c++) {
    for (const name of SPEECH_COMMANDS_FOLDERS[SPEECH_COMMANDS_CLASSES[c]]) {
      const folder = join(dir, name);
      if ((await pathKind(folder)) !== 'dir') continue;
      for (const e of await listDir(folder)) {
        if (e.isDirectory() || !WAV_FILE.test(e.name) || files.length >= options.limit) continue;
        files.push(join(folder, e.name));
        labels.push(c);
      }
      break;
    }
  }
  if (files.length === 0) throw new MsatError('DATA_NOT_FOUND', `${dir}: no .wav files in its label folders`);
  const luts = buildNormalizationTables(options.mean, options.std, 1, dir, options.normalizationFrom);
  return new BatchedDataset({
    format: 'speech-commands-wav',
    root: dir,
    split: 'test',
    sampleShape: SPEECH_SAMPLE_SHAPE,
    classes: SPEECH_COMMANDS_CLASSES,
    labels: Int32Array.from(labels),
    reader: createSpeechClipReader(files, luts),
  });
}
