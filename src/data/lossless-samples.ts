/**
 * The "lossless samples" fixture folder (from foolbox's test data): `<set>_<index>_<label>.png` files holding
 * the first test images of a set with exact pixels (`cifar10`, `cifar100`, `mnist`, `fashionMNIST`), plus
 * `imagenet_<index>_<label>.jpg` validation images. One folder holds several sets; a dataset is one set,
 * chosen with `DatasetOptions.set` or the virtual path `<folder>/<set>`. These are test images only, so the
 * split is always `'test'`.
 */
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { BatchedDataset } from './batched-dataset.js';
import { CIFAR100_CLASSES, CIFAR10_CLASSES, FASHION_MNIST_CLASSES, numberedClasses } from './class-names.js';
import type { Dataset, ResolvedDatasetOptions } from './dataset.js';
import { listDir } from './files.js';
import { createImageSampleReader, probeImageShape } from './image-samples.js';
import { buildNormalizationTables } from './normalize.js';

const SAMPLE_FILE = /^(.+)_(\d+)_(\d+)\.(png|jpe?g)$/i;

/** One sample file of a set. */
export interface LosslessSample {
  readonly file: string;
  readonly index: number;
  readonly label: number;
}

/** Class names of the known sets (lower-case key); unknown sets get `0 .. max label`. */
const SET_CLASSES: Readonly<Record<string, readonly string[]>> = {
  cifar10: CIFAR10_CLASSES,
  cifar100: CIFAR100_CLASSES,
  mnist: numberedClasses(10),
  fashionmnist: FASHION_MNIST_CLASSES,
  imagenet: numberedClasses(1000),
};

/** The sets in `dir` (by the name used in the files) with their samples sorted by index. */
export async function listLosslessSets(dir: string): Promise<Map<string, LosslessSample[]>> {
  const sets = new Map<string, LosslessSample[]>();
  for (const e of await listDir(dir)) {
    const m = e.isDirectory() ? null : SAMPLE_FILE.exec(e.name);
    if (!m) continue;
    const list = sets.get(m[1]) ?? [];
    list.push({ file: join(dir, e.name), index: Number(m[2]), label: Number(m[3]) });
    sets.set(m[1], list);
  }
  for (const list of sets.values()) list.sort((a, b) => a.index - b.index);
  return sets;
}

/** Classes of a set msat does not know are numbered up to its largest label, which may not exceed this (ImageNet-21k has 21,841). */
const MAX_CLASSES = 100_000;

/** Picks the set named `wanted` (case-insensitive), or the only set when none is named. */
function chooseSet(dir: string, sets: Map<string, LosslessSample[]>, wanted: string | undefined): string {
  const names = [...sets.keys()];
  if (wanted === undefined) {
    if (names.length === 1) return names[0];
    throw new MsatError(
      'DATA_OPTIONS',
      `${dir} holds several sample sets (${names.join(', ')}); choose one with the set option or the path ${join(dir, names[0])}`,
    );
  }
  const found = names.find((n) => n.toLowerCase() === wanted.toLowerCase());
  if (!found) {
    throw new MsatError('DATA_NOT_FOUND', `${dir} has no sample set '${wanted}'; it has ${names.join(', ')}`);
  }
  return found;
}

/** Opens one set of a lossless-samples folder; `set` comes from the virtual sub-path or the options. */
export async function openLosslessSamplesDataset(dir: string, set: string | undefined, options: ResolvedDatasetOptions): Promise<Dataset> {
  const sets = await listLosslessSets(dir);
  const name = chooseSet(dir, sets, set ?? options.set);
  const samples = sets.get(name)!.slice(0, options.limit === Infinity ? undefined : options.limit);
  const all = sets.get(name)!;
  const key = name.toLowerCase();
  const classes = Object.hasOwn(SET_CLASSES, key)
    ? SET_CLASSES[key]
    : numberedClasses(Math.min(MAX_CLASSES, Math.max(...all.map((s) => s.label)) + 1));
  const outside = all.find((s) => s.label >= classes.length);
  if (outside) {
    throw new MsatError(
      'DATA_CORRUPT',
      `${outside.file}: its name gives label ${outside.label}, but set '${name}' has ${classes.length} classes (labels 0..${classes.length - 1})`,
    );
  }
  const files = samples.map((s) => s.file);
  const shape = await probeImageShape(files[0], options.resize);
  const luts = buildNormalizationTables(options.mean, options.std, shape.channels, join(dir, name), options.normalizationFrom);
  return new BatchedDataset({
    format: 'lossless-samples',
    root: join(dir, name),
    split: 'test',
    sampleShape: [shape.channels, shape.height, shape.width],
    classes,
    labels: Int32Array.from(samples.map((s) => s.label)),
    reader: createImageSampleReader(files, shape, luts, options.resize, options.concurrency),
  });
}
