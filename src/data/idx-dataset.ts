/**
 * MNIST-style folders of IDX files: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each possibly gzipped (`.gz`, as Fashion-MNIST and the
 * original MNIST site ship them) or spelled with a dot (`t10k-images.idx3-ubyte`, as some mirrors do).
 */
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import { createByteSampleReader } from './byte-samples.js';
import { numberedClasses } from './class-names.js';
import { trainOrTestSplit, type Dataset, type ResolvedDatasetOptions } from './dataset.js';
import { firstExistingFile, listDir, readMaybeGzip } from './files.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './idx.js';
import { buildNormalizationTables } from './normalize.js';

const IDX_FILE = /idx[13]-ubyte(\.gz)?$/;

/** Whether `dir` looks like an IDX dataset folder (holds at least one `*idx1-ubyte` / `*idx3-ubyte` file). */
export async function isIdxFolder(dir: string): Promise<boolean> {
  return (await listDir(dir)).some((e) => !e.isDirectory() && IDX_FILE.test(e.name));
}

/** The file names tried for one split's images or labels, in order of preference. */
export function idxCandidates(split: 'train' | 'test', kind: 'images' | 'labels'): string[] {
  const prefix = split === 'train' ? 'train' : 't10k';
  const suffix = kind === 'images' ? 'idx3-ubyte' : 'idx1-ubyte';
  return [`${prefix}-${kind}-${suffix}`, `${prefix}-${kind}.${suffix}`].flatMap((n) => [n, `${n}.gz`]);
}

async function findIdxFile(dir: string, split: 'train' | 'test', kind: 'images' | 'labels'): Promise<string> {
  const names = idxCandidates(split, kind);
  const found = await firstExistingFile(names.map((n) => join(dir, n)));
  if (!found) {
    throw new MsatError('DATA_NOT_FOUND', `${dir}: no ${split} ${kind} file for an MNIST-style IDX dataset; looked for ${names.join(', ')}`);
  }
  return found;
}

/** Opens the `options.split` part of the IDX folder `dir`. */
export async function openIdxDataset(dir: string, options: ResolvedDatasetOptions): Promise<Dataset> {
  const split = trainOrTestSplit('idx', dir, options);
  const imagesFile = await findIdxFile(dir, split, 'images');
  const labelsFile = await findIdxFile(dir, split, 'labels');
  const [imageBytes, labelBytes] = await Promise.all([readMaybeGzip(imagesFile), readMaybeGzip(labelsFile)]);
  const images = parseIdx(imageBytes, IDX_IMAGES_MAGIC, imagesFile, imagesFile.endsWith('.gz'));
  const labels = parseIdx(labelBytes, IDX_LABELS_MAGIC, labelsFile, labelsFile.endsWith('.gz'));
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new MsatError(
      'DATA_CORRUPT',
      `${labelsFile}: holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images; the two files must belong together`,
    );
  }
  const length = Math.min(count, options.limit);
  const labelArray = Int32Array.from(labels.data.subarray(0, length));
  // Classes from every label of the file, not only those under --limit (EMNIST's IDX files have 26 … 62 classes);
  // a label that does not fit the model's outputs is refused where data meets model (`assertLabelsFit`).
  let maxLabel = 0;
  for (const l of labels.data) maxLabel = Math.max(maxLabel, l);
  const luts = buildNormalizationTables(options.mean, options.std, 1, dir, options.normalizationFrom);
  return new BatchedDataset({
    format: 'idx',
    root: dir,
    split,
    sampleShape: [1, rows, cols],
    classes: numberedClasses(Math.max(10, maxLabel + 1)),
    labels: labelArray,
    reader: createByteSampleReader(images.data, rows * cols, luts),
  });
}
