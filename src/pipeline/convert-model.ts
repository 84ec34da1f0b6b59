/**
 * Model in, converted SNN out: load the ANN, fold batch-norm, calibrate λ on training samples spread over the
 * training split (or take them from an SNN file), and plan the conversion with its coverage report (docs/method.md §1).
 */
import { createHash } from 'node:crypto';
import { MsatError } from '../core/index.js';
import { openDataset, stridedDataset, type Dataset, type DatasetOptions } from '../data/index.js';
import { decodeOnnxModel } from '../onnx/index.js';
import { importOnnx, loadNetwork, textOptionsOfMetadata, type Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';
import { normalizationOf } from '../ann/index.js';
import {
  assertConvertible,
  calibrate,
  calibrateMany,
  calibrationFromJson,
  checkSnnFileLayers,
  foldBatchNorms,
  formatCoverage,
  planConversion,
  readSnnFile,
  sha256File,
  type Calibration,
  type ConversionPlan,
  type SnnFile,
} from '../convert/index.js';

/** Where λ come from: calibration on data, or a converted SNN file. */
export type ThresholdSource =
  | {
      readonly kind: 'calibrate';
      /** Number N of calibration samples, in dataset order, no augmentation. Default 200. */
      readonly samples?: number;
      /** Which N: samples 0, k, 2k, … of the training split (`CalibrationEvery`). Default `'auto'`. */
      readonly every?: CalibrationEvery;
      /** Percentile p in (0, 1]; 1 = max. Default 1. */
      readonly percentile?: number;
      readonly channelWise?: boolean;
    }
  | { readonly kind: 'snn-file'; readonly path: string };

/**
 * The stride k of the calibration samples (0, k, 2k, …, N of them). `'auto'` spreads the N samples evenly over
 * the whole training split, k = ⌊length / N⌋: most folders are stored class by class (image folders, IMDB's
 * neg/ then pos/, Speech Commands by word), so the first N samples would all be of one class.
 */
export type CalibrationEvery = number | 'auto';

/** An imported ANN with what identifies it: the network as the file has it (batch-norm not folded) and its SHA-256. */
export interface LoadedModel {
  readonly network: Network;
  /** Hex SHA-256 of the ONNX bytes (an SNN file records it, so a changed model is detected). */
  readonly sha256: string;
  /** The file it was read from; absent for a model given as bytes. */
  readonly path?: string;
}

/** Reads and imports an ONNX file. */
export async function readModel(path: string): Promise<LoadedModel> {
  const [network, sha256] = await Promise.all([loadNetwork(path), sha256File(path)]);
  return { network, sha256, path };
}

/** Imports an ONNX model held in memory; `name` labels it in messages (default `<bytes>`). */
export function modelFromBytes(bytes: Uint8Array, name = '<bytes>'): LoadedModel {
  return { network: importOnnx(decodeOnnxModel(bytes, name), name), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Where calibration or evaluation samples come from: a dataset folder (or shortcut such as `mnist`), read in the
 * format it is recognised as with the model's normalisation, or a `Dataset` the caller opened (`openDataset`,
 * `arrayDataset`), used as it is.
 */
export type DataSource = string | Dataset;

/** Options of `convertModel`. */
export interface ConvertModelOptions {
  /** An ONNX file, or a model already read (`readModel`, `modelFromBytes`). */
  readonly model: string | LoadedModel;
  /**
   * Calibration data: a folder (its training split is read) or a `Dataset` (its samples 0, k, 2k, … are used).
   * Needed for `kind: 'calibrate'`.
   */
  readonly data?: DataSource;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly thresholds: ThresholdSource;
  readonly runner: Runner;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A converted network ready to simulate. */
export interface ConvertedModel {
  /** The ANN it was converted from. */
  readonly model: LoadedModel;
  /** The batch-norm folded network the simulator runs. */
  readonly network: Network;
  readonly calibration: Calibration;
  readonly plan: ConversionPlan;
  /** The coverage report: one line per layer, what it became. */
  readonly coverage: string;
  /** λ per relu layer name. */
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  /** What reading the data needs (`ModelDataOptions`). */
  readonly dataOptions: ModelDataOptions;
  readonly modelSha256: string;
  /** The SNN file the thresholds came from, if any. */
  readonly snnFile?: SnnFile;
  /** The stride of the calibration samples (`'auto'` resolved); absent when λ came from an SNN file. */
  readonly calibrationEvery?: number;
  /** The calibration samples, when λ were calibrated here (spike confidence is measured on them). */
  readonly calibrationSet?: Dataset;
  /** How λ were calibrated here (`'auto'` resolved, defaults filled in); absent when they came from an SNN file. */
  readonly calibrationSource?: CalibrationRecord;
}

/** What an SNN file records of a calibration: the data (folder or dataset label) and the resolved options. */
export interface CalibrationRecord {
  readonly data: string;
  readonly samples: number;
  readonly every: number;
  readonly percentile: number;
  readonly channelWise: boolean;
}

export const DEFAULT_CALIBRATION_SAMPLES = 200;

/**
 * What reading a model's data needs beyond the folder: the normalisation (the caller's, else the model's
 * metadata) and, for text models, the vocabulary size and sequence length it was trained with (metadata).
 */
export type ModelDataOptions = Pick<DatasetOptions, 'mean' | 'std' | 'vocabSize' | 'sequenceLength'>;

/** The model loaded and batch-norm folded, with the options its data needs. */
async function loadFolded(source: string | LoadedModel, mean?: readonly number[], std?: readonly number[]) {
  const model = typeof source === 'string' ? await readModel(source) : source;
  const { network } = foldBatchNorms(model.network);
  const fromModel = normalizationOf(model.network);
  const dataOptions: ModelDataOptions = {
    mean: mean ?? fromModel?.mean,
    std: std ?? fromModel?.std,
    ...textOptionsOfMetadata(model.network.metadata),
  };
  return { model, network, dataOptions, modelSha256: model.sha256 };
}

/** k = ⌊length / samples⌋, at least 1: `samples` positions 0, k, 2k, … spread over a split of `length`. */
export function spreadStride(length: number, samples: number): number {
  return Math.max(1, Math.floor(length / samples));
}

/**
 * The calibration samples of `data` (`samples`, default 200, of every `every`-th training sample) and the stride
 * used. A `Dataset` is taken as the training data itself.
 */
export async function openCalibrationSet(
  data: DataSource,
  source: { samples?: number; every?: CalibrationEvery },
  dataOptions: ModelDataOptions,
): Promise<{ dataset: Dataset; every: number }> {
  const samples = source.samples ?? DEFAULT_CALIBRATION_SAMPLES;
  const requested = source.every ?? 'auto';
  if (typeof data === 'string' && requested !== 'auto') {
    return { dataset: await openDataset(data, { split: 'train', limit: samples, every: requested, ...dataOptions }), every: requested };
  }
  const train = typeof data === 'string' ? await openDataset(data, { split: 'train', ...dataOptions }) : data;
  const every = requested === 'auto' ? spreadStride(train.length, samples) : requested;
  return { dataset: stridedDataset(train, every, samples), every };
}

/**
 * What `openCalibrationSet` will take for `model` on `data`, without calibrating (what a resumed experiment
 * compares): the stride (`every` itself, or for `'auto'` ⌊training samples / N⌋) and the number of samples,
 * fewer than N when the training split is smaller.
 */
export async function calibrationSelection(
  model: string,
  data: string,
  source: { samples?: number; every?: CalibrationEvery },
): Promise<{ every: number; samples: number }> {
  const { metadata } = await loadNetwork(model);
  const { dataset, every } = await openCalibrationSet(data, source, textOptionsOfMetadata(metadata));
  return { every, samples: dataset.length };
}

/** Loads, folds, calibrates and plans; throws `CONVERT_REFUSED` if a layer cannot be converted. */
export async function convertModel(options: ConvertModelOptions): Promise<ConvertedModel> {
  const { model, network, dataOptions, modelSha256 } = await loadFolded(options.model, options.mean, options.std);
  let calibration: Calibration;
  let snnFile: SnnFile | undefined;
  let calibrationEvery: number | undefined;
  let calibrationSet: Dataset | undefined;
  let calibrationSource: CalibrationRecord | undefined;
  if (options.thresholds.kind === 'snn-file') {
    snnFile = await readSnnFile(options.thresholds.path);
    if (snnFile.model.sha256 !== modelSha256) {
      throw new MsatError(
        'SNN_FILE',
        `${options.thresholds.path} was converted from a model with sha256 ${snnFile.model.sha256.slice(0, 12)}…, but ${model.network.source} has ${modelSha256.slice(0, 12)}…; convert this model again`,
      );
    }
    checkSnnFileLayers(snnFile, network, options.thresholds.path);
    calibration = calibrationFromJson(snnFile.calibration);
  } else {
    if (!options.data)
      throw new MsatError('CONVERT_OPTIONS', 'calibration needs data (a dataset folder or a Dataset), or thresholds from an SNN file');
    const t = options.thresholds;
    const { dataset, every } = await openCalibrationSet(options.data, t, dataOptions);
    calibrationEvery = every;
    calibrationSet = dataset;
    calibrationSource = {
      data: typeof options.data === 'string' ? options.data : options.data.root,
      samples: dataset.length,
      every,
      percentile: t.percentile ?? 1,
      channelWise: t.channelWise ?? false,
    };
    calibration = await calibrate(network, dataset, options.runner, {
      percentile: t.percentile,
      granularity: t.channelWise ? { kind: 'channel' } : { kind: 'layer' },
      onProgress: options.onProgress ? (p) => options.onProgress!(p.samples, p.total) : undefined,
    });
  }
  const plan = planConversion(network, calibration);
  assertConvertible(plan);
  const lambdas = new Map(calibration.layers.map((l) => [l.relu, l.lambda] as [string, number | Float32Array]));
  return {
    model,
    network,
    calibration,
    plan,
    coverage: formatCoverage(plan),
    lambdas,
    dataOptions,
    modelSha256,
    snnFile,
    ...(calibrationEvery !== undefined ? { calibrationEvery, calibrationSet, calibrationSource } : {}),
  };
}

/** Options of `calibrateModelPercentiles`. */
export interface CalibrateModelPercentilesOptions {
  readonly model: string;
  readonly data: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Number N of calibration samples, in dataset order, no augmentation. Default 200. */
  readonly samples?: number;
  /** Which N (`CalibrationEvery`). Default `'auto'`. */
  readonly every?: CalibrationEvery;
  /** Percentiles p in (0, 1] to calibrate, all from one run of the ANN. */
  readonly percentiles: readonly number[];
  readonly channelWise?: boolean;
  readonly runner: Runner;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A model calibrated at several percentiles at once (what `msat tune` searches over). */
export interface ModelCalibrations {
  /** The batch-norm folded network. */
  readonly network: Network;
  /** One calibration per requested percentile, in the same order. */
  readonly calibrations: readonly Calibration[];
  readonly dataOptions: ModelDataOptions;
  readonly modelSha256: string;
  /** The stride of the calibration samples (`'auto'` resolved). */
  readonly every: number;
}

/**
 * Loads and folds the model and calibrates λ at every percentile of `options.percentiles` from a single pass
 * of the ANN over the calibration samples (`calibrateMany`). Checks that the network converts.
 */
export async function calibrateModelPercentiles(options: CalibrateModelPercentilesOptions): Promise<ModelCalibrations> {
  const { network, dataOptions, modelSha256 } = await loadFolded(options.model, options.mean, options.std);
  const { dataset, every } = await openCalibrationSet(options.data, options, dataOptions);
  const calibrations = await calibrateMany(network, dataset, options.runner, {
    percentiles: options.percentiles,
    granularity: options.channelWise ? { kind: 'channel' } : { kind: 'layer' },
    onProgress: options.onProgress ? (p) => options.onProgress!(p.samples, p.total) : undefined,
  });
  assertConvertible(planConversion(network, calibrations[0]));
  return { network, calibrations, dataOptions, modelSha256, every };
}
