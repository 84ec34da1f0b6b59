/**
 * ImageNet-style image folders, the layout of torchvision's `ImageFolder`: `<root>/<split>/<class>/<file>`
 * with `.jpg`, `.jpeg` or `.png` files. Classes are the sorted class-folder names (label = position), and the
 * dataset order is by class, then by file name, both in plain code-unit order, so label indices agree with
 * torchvision for the same folder. Unlike torchvision, hidden folders (`.ipynb_checkpoints`) are not classes
 * and class folders are not searched recursively.
 *
 * `<root>` may be the dataset folder (holding `train/` and `test/`, or ImageNet's `val/` for the test split)
 * or one split folder itself (holding the class folders).
 */
import { basename, join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import { trainOrTestSplit, type Dataset, type DatasetSplit, type ResolvedDatasetOptions } from './dataset.js';
import { listDir, pathKind } from './files.js';
import { createImageSampleReader, probeImageShape } from './image-samples.js';
import { buildNormalizationTables } from './normalize.js';

const IMAGE_FILE = /\.(jpe?g|png)$/i;

/** Folder names accepted for each split (ImageNet calls its evaluation split `val`). */
export const SPLIT_FOLDERS: Readonly<Record<'train' | 'test', readonly string[]>> = {
  train: ['train'],
  test: ['test', 'val'],
};

/** How an image folder was found: the split folder holding the class folders, and which split it is. */
export interface ImageFolderLocation {
  /** `'root'`: `dir` holds split folders; `'split'`: `dir` holds class folders. */
  readonly kind: 'root' | 'split';
  readonly dir: string;
}

async function hasClassFolders(dir: string): Promise<boolean> {
  for (const e of await listDir(dir)) {
    if (!e.isDirectory()) continue;
    if ((await listDir(join(dir, e.name))).some((f) => !f.isDirectory() && IMAGE_FILE.test(f.name))) return true;
  }
  return false;
}

/** Recognises `dir` as an image-folder root or split folder; `undefined` when it is neither. */
export async function locateImageFolder(dir: string): Promise<ImageFolderLocation | undefined> {
  for (const name of [...SPLIT_FOLDERS.train, ...SPLIT_FOLDERS.test]) {
    const sub = join(dir, name);
    if ((await pathKind(sub)) === 'dir' && (await hasClassFolders(sub))) return { kind: 'root', dir };
  }
  if (await hasClassFolders(dir)) return { kind: 'split', dir };
  return undefined;
}

function splitOfFolderName(name: string): DatasetSplit | undefined {
  if (SPLIT_FOLDERS.train.includes(name)) return 'train';
  if (SPLIT_FOLDERS.test.includes(name)) return 'test';
  return undefined;
}

async function resolveSplitDir(location: ImageFolderLocation, options: ResolvedDatasetOptions): Promise<{ dir: string; split: DatasetSplit }> {
  const wanted = trainOrTestSplit('image-folder', location.dir, options);
  if (location.kind === 'split') {
    const named = splitOfFolderName(basename(location.dir));
    if (named && options.splitExplicit && named !== options.split) {
      throw new MsatError(
        'DATA_OPTIONS',
        `${location.dir} is the '${named}' split folder but split '${options.split}' was asked for; ` +
          'pass the dataset folder above it to choose the split, or drop the split option',
      );
    }
    return { dir: location.dir, split: named ?? options.split };
  }
  const names = SPLIT_FOLDERS[wanted];
  for (const name of names) {
    const sub = join(location.dir, name);
    if ((await pathKind(sub)) === 'dir') return { dir: sub, split: wanted };
  }
  throw new MsatError(
    'DATA_NOT_FOUND',
    `${location.dir}: image folder has no ${options.split} split; looked for ${names.map((n) => join(location.dir, n)).join(', ')}`,
  );
}

/** Opens an image folder found by `locateImageFolder`. */
export async function openImageFolderDataset(location: ImageFolderLocation, options: ResolvedDatasetOptions): Promise<Dataset> {
  const { dir, split } = await resolveSplitDir(location, options);
  const classes = (await listDir(dir)).filter((e) => e.isDirectory()).map((e) => e.name);
  const files: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes.length && files.length < options.limit; c++) {
    const classDir = join(dir, classes[c]);
    for (const e of await listDir(classDir)) {
      if (e.isDirectory() || !IMAGE_FILE.test(e.name)) continue;
      if (files.length >= options.limit) break;
      files.push(join(classDir, e.name));
      labels.push(c);
    }
  }
  if (files.length === 0) {
    throw new MsatError('DATA_NOT_FOUND', `${dir}: no .jpg, .jpeg or .png files in its class folders (${classes.join(', ') || 'none'})`);
  }
  const shape = await probeImageShape(files[0], options.resize);
  const luts = buildNormalizationTables(options.mean, options.std, shape.channels, dir, options.normalizationFrom);
  return new BatchedDataset({
    format: 'image-folder',
    root: dir,
    split,
    sampleShape: [shape.channels, shape.height, shape.width],
    classes,
    labels: Int32Array.from(labels),
    reader: createImageSampleReader(files, shape, luts, options.resize, options.concurrency),
  });
}
