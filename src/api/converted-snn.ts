/**
 * The library's high-level object: a converted SNN that can be simulated again and again with other options
 * (the model is read, folded and calibrated once), saved as an SNN file and loaded back, and exported for use
 * outside msat. `convert` makes one, `ConvertedSnn.load` reads one.
 *
 *   const snn = await convert(await loadModel('vgg16.onnx'), { calibration: { data: 'cifar10' }, neuron: { method: 'msat' } });
 *   const report = await snn.simulate('cifar10', { T: 64, every: 10 });
 *   await snn.export('vgg16.snn.onnx', { format: 'onnx' });
 *   await snn.dispose();
 */
import { isAbsolute, dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { MsatError, assertDistinctPaths } from '../core/index.js';
import { writeSnnFile, readSnnFile, type Calibration, type ConversionPlan, type SnnFile } from '../convert/index.js';
import { writeExport, type ExportFormat, type SnnOnnxOptions } from '../export/index.js';
import type { Shard } from '../data/index.js';
import type { Network } from '../model/index.js';
import {
  convertModel,
  convertedSnnFile,
  simulateConverted,
  snnOptionsDefaults,
  type CalibrationEvery,
  type ConfidenceSource,
  type ConvertedModel,
  type DataSource,
  type LoadedModel,
  type SimulationReport,
} from '../pipeline/index.js';
import { Runner, type RunnerOptions } from '../runtime/index.js';
import {
  neuronDynamics,
  parseExitRule,
  DEFAULT_NEURON_CONFIG,
  type ExitRule,
  type InputEncoding,
  type NeuronConfig,
  type NeuronDynamics,
} from '../snn/index.js';
import { nowIso } from './clock.js';

/** Where λ come from and how: the calibration data and the percentile statistics over it. */
export interface CalibrationOptions {
  /** Training data: a dataset folder (its training split) or a `Dataset`. */
  readonly data: DataSource;
  /** N samples, no augmentation. Default 200. */
  readonly samples?: number;
  /** Samples 0, k, 2k, …; `'auto'` (default) spreads the N samples over the whole split. */
  readonly every?: CalibrationEvery;
  /** λ = p-th percentile of each ReLU output, p in (0, 1]. Default 1 (the maximum). */
  readonly percentile?: number;
  /** One λ per channel instead of per layer. Default false. */
  readonly channelWise?: boolean;
}

/** Options of `convert`. */
export interface ConvertOptions {
  readonly calibration: CalibrationOptions;
  /** The default converter of `simulate` and `export` (each can override it). Default: MSAT DTT+DET with the authors' VGG values. */
  readonly neuron?: Partial<NeuronConfig>;
  /** Input normalisation of folder data. Default: the model's metadata (`msat.mean`, `msat.std`), else none. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** The onnxruntime runner to use (not disposed by `dispose`); default: a new one with `threads`. */
  readonly runner?: Runner;
  /** onnxruntime threads of the runner made here. Default 0 (all cores). */
  readonly threads?: RunnerOptions['threads'];
  /**
   * Execution providers of the runner made here, in order of preference (`['cuda', 'cpu']`); its simulation
   * workers use them too. Default `['cpu']`. One this onnxruntime-node lacks is an `EXECUTION_PROVIDER` error.
   */
  readonly executionProviders?: RunnerOptions['executionProviders'];
  readonly onProgress?: (done: number, total: number) => void;
}

/** Options of `ConvertedSnn.simulate`; only `T` is required. */
export interface SimulateOptions {
  /** Time steps. */
  readonly T: number;
  /** Overrides of the SNN's converter. */
  readonly neuron?: Partial<NeuronConfig>;
  /** Split of folder data. Default `'test'`. */
  readonly split?: 'train' | 'test';
  /** Every k-th sample (before `limit`). */
  readonly every?: number;
  readonly limit?: number;
  /** Only this slice of the selected samples, `{ index, count }` with 0 ≤ index < count; the report carries the tallies `msat merge` adds. */
  readonly shard?: Shard;
  /** Default `'direct'`. */
  readonly encoding?: InputEncoding;
  readonly seed?: number;
  /** Spike confidence: off (default), measured on the calibration samples, or one value per spiking layer. */
  readonly confidence?: ConfidenceSource;
  /** Time steps per onnxruntime run. Default 16. */
  readonly chunk?: number;
  /** Samples per batch. Default 64. */
  readonly batchSize?: number;
  /** Worker threads simulating whole batches. Default 1. */
  readonly workers?: number;
  /** Neurons per spiking layer traced on the first sample. Default 0. */
  readonly traceNeurons?: number;
  /**
   * Early exit: each sample stops when this rule fires on its readout, as an `ExitRule` or in the CLI's form
   * (`'confidence:0.99,min:2'`). Default: none; the report then sweeps exit rules offline (`exitSweep`).
   */
  readonly exit?: ExitRule | string;
  readonly onProgress?: (stage: 'calibrate' | 'confidence' | 'simulate', done: number, total: number) => void;
}

/** Options of `ConvertedSnn.export`. */
export interface ExportOptions extends Omit<SnnOnnxOptions, 'metadata'> {
  /** `'onnx'`: the stateful SNN; `'onnx-ann'`: the folded, calibrated ANN; `'nir'`: NIR (HDF5). */
  readonly format: ExportFormat;
  /** Overrides of the SNN's converter. */
  readonly neuron?: Partial<NeuronConfig>;
}

/** Options of `ConvertedSnn.load`. */
export interface LoadOptions {
  /** The ANN the file was converted from. Default: the path the file records (relative to the working folder, else to the file). */
  readonly model?: string | LoadedModel;
  /** Input normalisation of folder data. Default: the file's, else the model's metadata. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly runner?: Runner;
  readonly threads?: RunnerOptions['threads'];
  /** As in `ConvertOptions`. */
  readonly executionProviders?: RunnerOptions['executionProviders'];
}

/** Options of `ConvertedSnn.save`. */
export interface SaveOptions {
  /** Recorded as the command that made the file. */
  readonly command?: string;
}

/** A converted SNN; see the module comment. Dispose it (or `await using`) to release its onnxruntime sessions. */
export class ConvertedSnn {
  /** The batch-norm folded network the SNN is made of. */
  readonly network: Network;
  /** λ per relu layer name: one number, or one per channel. */
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly calibration: Calibration;
  readonly plan: ConversionPlan;
  /** One line per layer: what it became. */
  readonly coverage: string;
  /** The default converter of `simulate` and `export`. */
  readonly neuron: NeuronConfig;
  /** The early-exit rule of the SNN file it was loaded from (`msat tune` chooses one), if any: `simulate(…, { exit: snn.exit })`. */
  readonly exit: ExitRule | undefined;
  readonly #converted: ConvertedModel;
  /** The SNN file it was loaded from, if any (an export must not overwrite it). */
  readonly #snnPath: string | undefined;
  readonly #runner: Runner;
  readonly #ownsRunner: boolean;

  private constructor(converted: ConvertedModel, neuron: NeuronConfig, runner: Runner, ownsRunner: boolean, snnPath?: string, exit?: ExitRule) {
    neuronDynamics(neuron); // validates
    this.#converted = converted;
    this.exit = exit;
    this.#snnPath = snnPath;
    this.network = converted.network;
    this.lambdas = converted.lambdas;
    this.calibration = converted.calibration;
    this.plan = converted.plan;
    this.coverage = converted.coverage;
    this.neuron = neuron;
    this.#runner = runner;
    this.#ownsRunner = ownsRunner;
  }

  /** Calibrates λ on `options.calibration.data` and plans the conversion; `CONVERT_REFUSED` if a layer cannot convert. */
  static async convert(model: string | LoadedModel, options: ConvertOptions): Promise<ConvertedSnn> {
    const neuron: NeuronConfig = { ...DEFAULT_NEURON_CONFIG, ...options.neuron };
    neuronDynamics(neuron); // a bad converter fails before the calibration, not after
    const { runner, owns } = runnerOf(options);
    try {
      const c = options.calibration;
      const converted = await convertModel({
        model,
        data: c.data,
        mean: options.mean,
        std: options.std,
        thresholds: { kind: 'calibrate', samples: c.samples, every: c.every, percentile: c.percentile, channelWise: c.channelWise },
        runner,
        onProgress: options.onProgress,
      });
      return new ConvertedSnn(converted, neuron, runner, owns);
    } catch (e) {
      if (owns) await runner.dispose();
      throw e;
    }
  }

  /** Reads an SNN file (`save`, `msat convert --out`, `msat tune --out`); its converter becomes the default. */
  static async load(path: string, options: LoadOptions = {}): Promise<ConvertedSnn> {
    const file = await readSnnFile(path);
    const model = options.model ?? locateModel(file.model.path, path);
    const { runner, owns } = runnerOf(options);
    try {
      const defaults = snnOptionsDefaults(file.options, path); // the file already read and checked above
      const converted = await convertModel({
        model,
        mean: options.mean ?? defaults.normalization.mean,
        std: options.std ?? defaults.normalization.std,
        thresholds: { kind: 'snn-file', path },
        runner,
      });
      return new ConvertedSnn(converted, { ...DEFAULT_NEURON_CONFIG, ...defaults.neuron }, runner, owns, path, defaults.exit);
    } catch (e) {
      if (owns) await runner.dispose();
      throw e;
    }
  }

  /** Simulates T steps on `data` (a folder, or a `Dataset`) and measures it; nothing is read or calibrated again. */
  simulate(data: DataSource, options: SimulateOptions): Promise<SimulationReport> {
    const { T, neuron, exit, ...rest } = options;
    return simulateConverted(this.#converted, {
      ...rest,
      data,
      steps: T,
      neuron: { ...this.neuron, ...neuron },
      exit: typeof exit === 'string' ? parseExitRule(exit) : exit,
      runner: this.#runner,
    });
  }

  /** The SNN file as a JSON value (model path and hash, λ, plan, converter, normalisation, provenance): what `save` writes. */
  snnFile(options: SaveOptions = {}): SnnFile<object> {
    return convertedSnnFile(this.#converted, this.neuron, { createdAt: nowIso(), command: options.command });
  }

  /** Writes the SNN file (`snnFile()`), atomically. */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    assertDistinctPaths({ 'SNN file': path }, { model: this.#converted.model.path });
    await writeSnnFile(path, this.snnFile(options));
  }

  /** Writes the SNN (or its ANN) in `options.format`; see README, "msat export". */
  async export(path: string, options: ExportOptions): Promise<void> {
    const { format, neuron, ...onnx } = options;
    assertDistinctPaths({ export: path }, { model: this.#converted.model.path, 'SNN file': this.#snnPath });
    const dynamics: NeuronDynamics = neuronDynamics({ ...this.neuron, ...neuron });
    await writeExport({ network: this.network, lambdas: this.lambdas, dynamics }, path, {
      ...onnx,
      format,
      metadata: this.#converted.model.network.metadata,
    });
  }

  /** Releases the onnxruntime sessions (and the runner, when `convert`/`load` made it). */
  async dispose(): Promise<void> {
    if (this.#ownsRunner) await this.#runner.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** `ConvertedSnn.convert`: the library's one call from a trained ANN to a converted SNN. */
export function convert(model: string | LoadedModel, options: ConvertOptions): Promise<ConvertedSnn> {
  return ConvertedSnn.convert(model, options);
}

function runnerOf(options: Pick<ConvertOptions, 'runner' | 'threads' | 'executionProviders'>): { runner: Runner; owns: boolean } {
  if (options.runner) return { runner: options.runner, owns: false };
  return { runner: new Runner({ threads: options.threads ?? 0, executionProviders: options.executionProviders }), owns: true };
}

/** The model path an SNN file records, as given if it exists, else relative to the file's folder. */
function locateModel(recorded: string, snnPath: string): string {
  if (isAbsolute(recorded) || existsSync(recorded)) return recorded;
  const beside = resolve(dirname(snnPath), recorded);
  if (existsSync(beside)) return beside;
  throw new MsatError('SNN_FILE', `${snnPath}: its model ${recorded} is not found (nor beside the file); pass the model explicitly`);
}
