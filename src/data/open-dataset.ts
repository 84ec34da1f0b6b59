/**
 * `openDataset`: the one entry point of the data layer. It takes whatever `--data` names (a folder, a
 * shortcut such as `mnist`, or a lossless-samples set path) and recognises the format from the folder's
 * contents, so the CLI needs no `--format` flag.
 */
import { basename, dirname } from 'node:path';
import { MsatError } from '../core/index.js';
import { stridedDataset } from './strided-dataset.js';
import { DATASET_SHORTCUTS, projectCacheHint, resolveDatasetShortcut } from './builtin-datasets.js';
import { findCifarBinary, openCifarBinaryDataset } from './cifar-binary.js';
import {
  DATASET_FORMATS,
  resolveDatasetOptions,
  type Dataset,
  type DatasetFormat,
  type DatasetOptions,
  type ResolvedDatasetOptions,
} from './dataset.js';
import { pathKind } from './files.js';
import { isIdxFolder, openIdxDataset } from './idx-dataset.js';
import { locateImageFolder, openImageFolderDataset } from './image-folder.js';
import { isImdbFolder, openImdbDataset } from './imdb-dataset.js';
import { listLosslessSets, openLosslessSamplesDataset } from './lossless-samples.js';
import { isSpeechCommandsFolder, openSpeechCommandsDataset } from './speech-commands.js';
import { isSpeechCommandsFullFolder, openSpeechCommandsFullDataset } from './speech-commands-full.js';
import { isSpeechCommandsWavFolder, openSpeechCommandsWavDataset } from './speech-commands-wav.js';

/** What each format looks for, for the message when none matches. */
const FORMAT_SIGNATURES: Readonly<Record<Exclude<DatasetFormat, 'arrays'>, string>> = {
  idx: 'idx (train-/t10k-images-idx3-ubyte and -labels-idx1-ubyte, optionally .gz)',
  'cifar-binary':
    'cifar-binary (data_batch_1..5.bin + test_batch.bin, or train.bin + test.bin, possibly in cifar-10-batches-bin/ or cifar-100-binary/)',
  'lossless-samples': 'lossless-samples (<set>_<index>_<label>.png files)',
  imdb: 'imdb (<root>/{train,test}/{neg,pos}/<id>_<rating>.txt)',
  'speech-commands': 'speech-commands (<root>/{yes,no,…,go,unknown,_background_noise_}/<speaker>_nohash_<n>.<word>.jpg)',
  'speech-commands-full': 'speech-commands-full (<root>/<word>/*.wav for 35 words, _background_noise_/*.wav, validation_list.txt, testing_list.txt)',
  'speech-commands-wav': 'speech-commands-wav (<root>/{yes,no,…,go,_unknown_,_silence_}/*.wav)',
  'image-folder': 'image-folder (<root>/<split>/<class>/*.jpg|.jpeg|.png, or <split>/<class>/*.jpg)',
};

function rejectImageOptions(format: DatasetFormat, dir: string, options: ResolvedDatasetOptions): void {
  rejectTextOptions(format, dir, options);
  if (options.resize) {
    throw new MsatError('DATA_OPTIONS', `${dir} is a ${format} dataset with fixed-size samples; imageSize applies only to image files`);
  }
  if (options.set !== undefined) {
    throw new MsatError('DATA_OPTIONS', `${dir} is a ${format} dataset; the set option applies only to lossless-samples folders`);
  }
}

/**
 * Where `path` points: an existing folder, a shortcut's folder, or a lossless-samples folder plus set name
 * (`<folder>/<set>` does not exist on disk). Anything else is `DATA_NOT_FOUND` listing what was tried.
 */
async function locate(path: string): Promise<{ dir: string; set?: string }> {
  const kind = await pathKind(path);
  if (kind === 'dir') return { dir: path };
  if (kind === 'file') {
    throw new MsatError('DATA_FORMAT', `${path} is a file; a dataset is its folder`);
  }
  const shortcut = resolveDatasetShortcut(path);
  if (shortcut !== undefined) {
    if ((await pathKind(shortcut)) !== 'dir') {
      throw new MsatError('DATA_NOT_FOUND', `dataset shortcut '${path}' means ${shortcut}, which does not exist`);
    }
    return { dir: shortcut };
  }
  const parent = dirname(path);
  if ((await pathKind(parent)) === 'dir') {
    const sets = await listLosslessSets(parent);
    const set = basename(path);
    if ([...sets.keys()].some((n) => n.toLowerCase() === set.toLowerCase())) return { dir: parent, set };
  }
  throw new MsatError(
    'DATA_NOT_FOUND',
    `dataset ${path} not found: it is not a folder, not a shortcut (${Object.keys(DATASET_SHORTCUTS).join(', ')}) ` +
      `and not <lossless-samples folder>/<set>${projectCacheHint(path)}`,
  );
}

/**
 * Opens the dataset at `path` (a folder in one of the `DatasetFormat`s, a shortcut: `mnist`, or a dataset
 * `msat datasets get` installs, such as `cifar10`; or `<lossless folder>/<set>`), reading the split, limit and
 * normalization in `options`.
 *
 * Errors (`MsatError`): `DATA_NOT_FOUND` (missing path or files; lists what was looked for), `DATA_FORMAT`
 * (no format matches; lists the formats tried), `DATA_CORRUPT` (truncated or malformed file, named),
 * `DATA_SHAPE` (images of different sizes), `DATA_OPTIONS` (an invalid option, e.g. a mean whose length is
 * neither 1 nor the channel count).
 */
export async function openDataset(path: string, options: DatasetOptions = {}): Promise<Dataset> {
  const every = options.every ?? 1;
  const dataset =
    every === 1
      ? await openWholeDataset(path, options)
      : stridedDataset(await openWholeDataset(path, { ...options, limit: undefined }), every, options.limit ?? Infinity);
  rejectEmpty(dataset, path, options);
  return dataset;
}

/**
 * Every format ends here, so an empty dataset is refused in one place: evaluating it would print
 * "0.00 % (0 / 0)" and training on it would do nothing. `limit` and `every` are positive integers, so they
 * can only empty a dataset that was empty already; the message still says what was asked for.
 */
function rejectEmpty(dataset: Dataset, path: string, options: DatasetOptions): void {
  if (dataset.length > 0) return;
  const where = dataset.root === path ? path : `${path} (${dataset.root})`;
  const asked = [
    ...(options.limit !== undefined ? [`limit ${options.limit}`] : []),
    ...(options.every !== undefined ? [`every ${options.every}`] : []),
  ];
  throw new MsatError(
    'DATA_NOT_FOUND',
    `${where}: the ${dataset.split} split of this ${dataset.format} dataset holds no samples` +
      `${asked.length > 0 ? ` (with ${asked.join(', ')})` : ''}; ` +
      'check that the files are there (an empty folder or a file with a count of 0 has nothing to evaluate)',
  );
}

function rejectTextOptions(format: DatasetFormat, dir: string, options: ResolvedDatasetOptions): void {
  if (options.textExplicit) {
    throw new MsatError('DATA_OPTIONS', `${dir} is a ${format} dataset; vocabSize and sequenceLength apply only to text datasets (imdb)`);
  }
}

/** Tries the formats in `DATASET_FORMATS` order and opens the first that matches. */
async function openWholeDataset(path: string, options: DatasetOptions): Promise<Dataset> {
  const resolved = resolveDatasetOptions(options);
  const { dir, set } = await locate(path);
  if (set !== undefined) {
    rejectTextOptions('lossless-samples', dir, resolved);
    return openLosslessSamplesDataset(dir, set, resolved);
  }
  if (await isIdxFolder(dir)) {
    rejectImageOptions('idx', dir, resolved);
    return openIdxDataset(dir, resolved);
  }
  const cifar = await findCifarBinary(dir);
  if (cifar) {
    rejectImageOptions('cifar-binary', dir, resolved);
    return openCifarBinaryDataset(cifar.dir, cifar.layout, resolved);
  }
  if ((await listLosslessSets(dir)).size > 0) {
    rejectTextOptions('lossless-samples', dir, resolved);
    return openLosslessSamplesDataset(dir, undefined, resolved);
  }
  if (await isImdbFolder(dir)) return openImdbDataset(dir, resolved);
  if (await isSpeechCommandsFolder(dir)) {
    rejectTextOptions('speech-commands', dir, resolved);
    return openSpeechCommandsDataset(dir, resolved);
  }
  if (await isSpeechCommandsFullFolder(dir)) {
    rejectTextOptions('speech-commands-full', dir, resolved);
    return openSpeechCommandsFullDataset(dir, resolved);
  }
  if (await isSpeechCommandsWavFolder(dir)) {
    rejectTextOptions('speech-commands-wav', dir, resolved);
    return openSpeechCommandsWavDataset(dir, resolved);
  }
  const imageFolder = await locateImageFolder(dir);
  if (imageFolder) {
    rejectTextOptions('image-folder', dir, resolved);
    if (resolved.set !== undefined) {
      throw new MsatError('DATA_OPTIONS', `${dir} is an image-folder dataset; the set option applies only to lossless-samples folders`);
    }
    return openImageFolderDataset(imageFolder, resolved);
  }
  throw new MsatError(
    'DATA_FORMAT',
    `${dir} is not a dataset folder msat recognises; tried ${DATASET_FORMATS.map((f) => FORMAT_SIGNATURES[f]).join('; ')}`,
  );
}
