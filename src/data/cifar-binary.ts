/**
 * CIFAR-10 and CIFAR-100 "binary version" batches (https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin` (train) and `test_batch.bin`, records of 1 label byte +
 * 3072 pixel bytes. CIFAR-100: `train.bin` and `test.bin`, records of a coarse label byte, a fine label byte
 * and 3072 pixel bytes; msat uses the fine label, the one CIFAR-100 accuracies are reported on. Pixels are
 * planar 32×32 R, then G, then B, i.e. already CHW. The archives extract into `cifar-10-batches-bin/` and
 * `cifar-100-binary/`, and either that folder or its parent may be given.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import { createByteSampleReader } from './byte-samples.js';
import { CIFAR100_CLASSES, CIFAR10_CLASSES } from './class-names.js';
import { trainOrTestSplit, type Dataset, type ResolvedDatasetOptions } from './dataset.js';
import { fileSize, pathKind, readFileBytes } from './files.js';
import { buildNormalizationTables } from './normalize.js';

const PIXELS = 3 * 32 * 32;

/** The two layouts: how many label bytes precede each record's pixels, and which of them is the label. */
export interface CifarLayout {
  readonly name: 'CIFAR-10' | 'CIFAR-100';
  readonly labelBytes: 1 | 2;
  readonly classCount: number;
  /**
   * How many values each label byte may take, in record order: CIFAR-100's coarse byte (20 superclasses) and
   * fine byte (100 classes, `classCount`); CIFAR-10's single byte.
   */
  readonly labelRanges: readonly number[];
  readonly files: Readonly<Record<'train' | 'test', readonly string[]>>;
  /** Optional file with one class name per line. */
  readonly namesFile: string;
  readonly defaultClasses: readonly string[];
}

export const CIFAR10_LAYOUT: CifarLayout = {
  name: 'CIFAR-10',
  labelBytes: 1,
  classCount: 10,
  labelRanges: [10],
  files: { train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ['test_batch.bin'] },
  namesFile: 'batches.meta.txt',
  defaultClasses: CIFAR10_CLASSES,
};

export const CIFAR100_LAYOUT: CifarLayout = {
  name: 'CIFAR-100',
  labelBytes: 2,
  classCount: 100,
  labelRanges: [20, 100],
  files: { train: ['train.bin'], test: ['test.bin'] },
  namesFile: 'fine_label_names.txt',
  defaultClasses: CIFAR100_CLASSES,
};

/** Folder names the official archives extract into. */
const NESTED_FOLDERS = ['cifar-10-batches-bin', 'cifar-100-binary'];

/** Bytes per record of a layout: label byte(s) + 3072 pixel bytes. */
export function cifarRecordSize(layout: CifarLayout): number {
  return layout.labelBytes + PIXELS;
}

/**
 * If `dir` (or its `cifar-10-batches-bin` / `cifar-100-binary` subfolder) holds CIFAR binary batches,
 * returns that folder and its layout; otherwise `undefined`.
 */
export async function findCifarBinary(dir: string): Promise<{ dir: string; layout: CifarLayout } | undefined> {
  for (const d of [dir, ...NESTED_FOLDERS.map((n) => join(dir, n))]) {
    for (const layout of [CIFAR10_LAYOUT, CIFAR100_LAYOUT]) {
      for (const f of [...layout.files.train, ...layout.files.test]) {
        if ((await pathKind(join(d, f))) === 'file') return { dir: d, layout };
      }
    }
  }
  return undefined;
}

async function readClassNames(dir: string, layout: CifarLayout): Promise<readonly string[]> {
  const file = join(dir, layout.namesFile);
  if ((await pathKind(file)) !== 'file') return layout.defaultClasses;
  const names = (await readFile(file, 'utf8'))
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (names.length !== layout.classCount) {
    throw new MsatError('DATA_CORRUPT', `${file}: lists ${names.length} class names, expected ${layout.classCount} for ${layout.name}`);
  }
  return names;
}

const LABEL_BYTE_NAMES: Readonly<Record<1 | 2, readonly string[]>> = { 1: ['label'], 2: ['coarse label', 'fine label'] };

/**
 * Checks every label byte of the `count` records in `bytes` (all of a batch file that is read, not only the
 * records under --limit) against `layout.labelRanges`: a byte out of range means a damaged file or the wrong
 * layout, and would otherwise be counted as a wrong answer.
 */
function checkCifarLabels(bytes: Uint8Array, count: number, layout: CifarLayout, file: string): void {
  const record = cifarRecordSize(layout);
  for (let r = 0; r < count; r++) {
    for (let b = 0; b < layout.labelBytes; b++) {
      const value = bytes[r * record + b];
      const range = layout.labelRanges[b];
      if (value >= range) {
        throw new MsatError(
          'DATA_CORRUPT',
          `${file}: record ${r} has ${LABEL_BYTE_NAMES[layout.labelBytes][b]} ${value}, ` +
            `but ${layout.name} ${LABEL_BYTE_NAMES[layout.labelBytes][b]}s are 0..${range - 1} (records count from 0); ` +
            `the file is damaged or not a ${layout.name} binary batch`,
        );
      }
    }
  }
}

/** Opens the `options.split` part of a CIFAR binary folder found by `findCifarBinary`. */
export async function openCifarBinaryDataset(dir: string, layout: CifarLayout, options: ResolvedDatasetOptions): Promise<Dataset> {
  const split = trainOrTestSplit('cifar-binary', dir, options);
  const record = cifarRecordSize(layout);
  const files = layout.files[split].map((f) => join(dir, f));
  const missing: string[] = [];
  for (const f of files) if ((await pathKind(f)) !== 'file') missing.push(f);
  if (missing.length > 0) {
    throw new MsatError(
      'DATA_NOT_FOUND',
      `${dir}: the ${split} split of ${layout.name} binary needs ${layout.files[split].join(', ')}; missing: ${missing.join(', ')}`,
    );
  }
  // Check every file's size before reading any, so a truncated batch is reported even under --limit.
  const counts: number[] = [];
  for (const f of files) {
    const size = await fileSize(f);
    if (size === 0 || size % record !== 0) {
      throw new MsatError(
        'DATA_CORRUPT',
        `${f}: ${size} bytes is not a whole number of ${layout.name} records of ${record} bytes ` +
          `(${layout.labelBytes} label byte${layout.labelBytes > 1 ? 's' : ''} + ${PIXELS} pixel bytes); ` +
          `the file is truncated or not a ${layout.name} binary batch`,
      );
    }
    counts.push(size / record);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const length = Math.min(total, options.limit);
  const pixels = new Uint8Array(length * PIXELS);
  const labels = new Int32Array(length);
  let n = 0;
  for (let fi = 0; fi < files.length && n < length; fi++) {
    const bytes = await readFileBytes(files[fi]);
    checkCifarLabels(bytes, counts[fi], layout, files[fi]);
    const take = Math.min(counts[fi], length - n);
    for (let r = 0; r < take; r++, n++) {
      const at = r * record;
      labels[n] = bytes[at + layout.labelBytes - 1];
      pixels.set(bytes.subarray(at + layout.labelBytes, at + record), n * PIXELS);
    }
  }
  const classes = await readClassNames(dir, layout);
  const luts = buildNormalizationTables(options.mean, options.std, 3, dir, options.normalizationFrom);
  return new BatchedDataset({
    format: 'cifar-binary',
    root: dir,
    split,
    sampleShape: [3, 32, 32],
    classes,
    labels,
    reader: createByteSampleReader(pixels, 32 * 32, luts),
  });
}
