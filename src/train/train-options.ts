/**
 * What a training run is: the options `train` takes, the configuration they resolve to (what a checkpoint and the
 * model's `msat.config` record, so `--resume` and `--from` continue the same run), and what progress and results
 * report. Resolution validates every option once.
 */
import * as v from 'valibot';
import { between, finite, integer, MsatError, record, type Infer } from '../core/index.js';
import type { Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';
import { isArchitectureName, ARCHITECTURES, type ArchitectureName } from './architectures.js';
import type { AugmentOptions } from './augment.js';
import { DEFAULT_INIT_SCHEME, type InitScheme } from './init.js';
import {
  createOptimizer,
  defaultMilestones,
  validateSchedule,
  type LrSchedule,
  type OptimizerConfig,
  type WeightDecayExclusion,
} from './optim/index.js';

/** Options of `train`; every field is optional except `arch` and `data` (which a resumed run takes from its checkpoint). */
export interface TrainOptions {
  readonly arch?: ArchitectureName;
  /** Dataset folder or shortcut, as `openDataset` takes it. The train split trains, the test split validates. */
  readonly data?: string;
  /** Default 10. */
  readonly epochs?: number;
  /** Default 128. */
  readonly batchSize?: number;
  /** Base (peak) learning rate. Default 0.1 for SGD, 1e-3 for Adam(W). */
  readonly lr?: number;
  /** Default SGD, momentum 0.9, weight decay 5e-4. */
  readonly optimizer?: OptimizerConfig;
  /** Default cosine annealing to 0 over the run; `{ kind: 'step', milestones: [] }` gets 50 %/75 % milestones. */
  readonly schedule?: LrSchedule;
  /** Default 0. */
  readonly labelSmoothing?: number;
  /** Default `'none'`. */
  readonly weightDecayExclusion?: WeightDecayExclusion;
  /** Default 0. */
  readonly seed?: number;
  /** Random crop + flip. Default: on (padding 4, flip) for 3-channel images, off otherwise; `false` turns it off. */
  readonly augment?: AugmentOptions | false;
  /** Default Kaiming normal, fan_out. */
  readonly init?: InitScheme;
  /** Architecture width multiplier. Default 1. */
  readonly width?: number;
  /** Normalization. Default: the usual values for MNIST, Fashion-MNIST, CIFAR-10/100 (recognised by shape and name), else 0 / 1. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Train on the first N training samples only. Default all. */
  readonly trainLimit?: number;
  /** Validate on the first N test samples only. Default all. */
  readonly valLimit?: number;
  /** Text datasets: token ids of the vocabulary, padding and unknown included (`DatasetOptions.vocabSize`). Default 20000. */
  readonly vocabSize?: number;
  /** Text datasets: tokens per sample (`DatasetOptions.sequenceLength`). Default 256. */
  readonly sequenceLength?: number;
  /** Drop a last batch smaller than `batchSize`. Default false (PyTorch's default). */
  readonly dropLast?: boolean;
  /** Write the trained model here (ONNX). */
  readonly out?: string;
  /** How `out` stores the weights (`ExportOptions.weights`). Default `'float32'`. */
  readonly weights?: 'float32' | 'float16';
  /** Write `checkpoint.json` + `checkpoint.bin` here after every epoch. */
  readonly checkpointDir?: string;
  /** Continue the run saved in this checkpoint (its JSON file, or the folder holding `checkpoint.json`). */
  readonly resume?: string;
  /**
   * Start a new run (its own schedule, fresh optimizer slots) from the parameters and batch-norm statistics of
   * this checkpoint (its JSON file or folder) or ONNX model that msat trained (`*.onnx`, its `msat.config`
   * metadata standing in for the checkpoint's run), of the same architecture and width: fine-tuning, or a
   * second learning-rate cycle.
   */
  readonly from?: string;
  /**
   * Stochastic weight averaging from this epoch (1-based) on: the model written at the end is the mean of the
   * weights at the end of epochs `swaStart`..`epochs`, with batch-norm statistics recomputed on the training
   * data (see `swa.ts`). Usually with a constant rate. Default: off.
   */
  readonly swaStart?: number;
  /** Stop (resumably) once this many epochs are complete. Default: `epochs`. */
  readonly untilEpoch?: number;
  /** The onnxruntime runner to use. Default: a new one with `threads`, disposed at the end. */
  readonly runner?: Runner;
  /** Threads of a runner created here. Default 0 (onnxruntime's choice). */
  readonly threads?: number;
  /** Called after every batch and every validation batch. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Called after every epoch. */
  readonly onEpoch?: (r: EpochRecord) => void;
  /** Milliseconds clock for throughput figures. Default `performance.now`. */
  readonly clock?: () => number;
}

/** The JSON configuration of a run: what a checkpoint stores and the model's `msat.config` records. */
export interface TrainConfig {
  readonly arch: ArchitectureName;
  readonly data: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly optimizer: OptimizerConfig;
  readonly schedule: LrSchedule;
  readonly labelSmoothing: number;
  readonly weightDecayExclusion: WeightDecayExclusion;
  readonly seed: number;
  readonly augment: AugmentOptions | false | 'auto';
  readonly init: InitScheme;
  readonly width: number;
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
  readonly trainLimit: number | null;
  readonly valLimit: number | null;
  readonly dropLast: boolean;
  /** Text datasets only, and only when given (absent keys keep older checkpoints resumable). */
  readonly vocabSize?: number;
  readonly sequenceLength?: number;
  /** Only when given (`TrainOptions.swaStart`). */
  readonly swaStart?: number;
  /** Only for a run started with `from`: where its weights came from. */
  readonly from?: TrainStart;
}

/** The checkpoint or model a run started from (`TrainOptions.from`), recorded for provenance. */
export interface TrainStart {
  /** Its path (a checkpoint's JSON file, or an `.onnx` model). */
  readonly checkpoint: string;
  /** Epochs that run had completed, its validation accuracy then (a model's: `msat.accuracy`), and its configuration. */
  readonly epoch: number;
  readonly valAccuracy: number | null;
  readonly config: TrainConfig;
}

export const DEFAULT_TRAIN_OPTIONS = {
  epochs: 10,
  batchSize: 128,
  optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 } as OptimizerConfig,
  schedule: { kind: 'cosine' } as LrSchedule,
  labelSmoothing: 0,
  weightDecayExclusion: 'none' as WeightDecayExclusion,
  seed: 0,
  init: DEFAULT_INIT_SCHEME,
  width: 1,
  dropLast: false,
} as const;

export interface TrainProgress {
  /** `'statistics'`: the batch-norm pass over the training data that ends a run with weight averaging. */
  readonly phase: 'train' | 'validate' | 'statistics';
  /** 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Samples done in this phase of this epoch, and their total. */
  readonly done: number;
  readonly total: number;
  /** Running mean loss and accuracy of this phase. */
  readonly loss: number;
  readonly accuracy: number;
  readonly samplesPerSecond: number;
  readonly lr: number;
}

/** JSON has no infinity: a rate over a zero-length epoch (a stopped clock) is written as null and reads back as Infinity. */
const rate = () =>
  v.pipe(
    v.nullable(v.pipe(finite('a finite number ≥ 0 or null'), v.minValue(0, 'expected a finite number ≥ 0 or null'))),
    v.transform((x) => x ?? Infinity),
  );

/** One finished epoch, as the history of a checkpoint records it. */
export const epochRecordSchema = record({
  /** 1-based. */
  epoch: integer(1),
  /** Learning rate of the epoch's last step. */
  lr: finite(),
  trainLoss: finite(),
  trainAccuracy: between(0, 1, 'an accuracy in [0, 1]'),
  valLoss: finite(),
  valAccuracy: between(0, 1, 'an accuracy in [0, 1]'),
  /** Training steps per second and samples per second of the epoch (validation excluded). */
  stepsPerSecond: rate(),
  samplesPerSecond: rate(),
  seconds: v.pipe(finite('a finite number ≥ 0'), v.minValue(0, 'expected a finite number ≥ 0')),
});
export type EpochRecord = Infer<typeof epochRecordSchema>;

export interface TrainResult {
  /** The trained network, with its metadata. */
  readonly network: Network;
  readonly config: TrainConfig;
  readonly history: readonly EpochRecord[];
  /** Validation accuracy after the last epoch run (of the averaged weights when the run averaged them). */
  readonly accuracy: number;
  /** A finished run with `swaStart`: validation of the averaged model, and the epochs it averaged. */
  readonly swa?: { readonly epochs: number; readonly valLoss: number; readonly valAccuracy: number };
  /** Epochs complete (less than `config.epochs` when stopped by `untilEpoch`). */
  readonly epochsDone: number;
  readonly modelPath?: string;
  readonly checkpointPath?: string;
}

export function optionsError(message: string): MsatError {
  return new MsatError('TRAIN_OPTIONS', message);
}

/** Merges `options` into defaults (or into a resumed run's configuration) and validates once. */
export function resolveTrainConfig(options: TrainOptions, base?: TrainConfig): TrainConfig {
  const pick = <K extends keyof TrainOptions & keyof TrainConfig>(k: K): TrainOptions[K] | undefined => options[k];
  const arch = pick('arch') ?? base?.arch;
  const data = pick('data') ?? base?.data;
  if (arch === undefined) throw optionsError(`an architecture is required (one of ${ARCHITECTURES.join(', ')})`);
  if (!isArchitectureName(arch)) throw optionsError(`unknown architecture ${JSON.stringify(arch)}; must be one of ${ARCHITECTURES.join(', ')}`);
  if (data === undefined) throw optionsError('a dataset is required (a folder, or mnist / fashion-mnist)');
  const optimizer = options.optimizer ?? base?.optimizer ?? DEFAULT_TRAIN_OPTIONS.optimizer;
  createOptimizer(optimizer); // validates
  const epochs = options.epochs ?? base?.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs;
  let schedule = options.schedule ?? base?.schedule ?? DEFAULT_TRAIN_OPTIONS.schedule;
  if (schedule.kind === 'step' && schedule.milestones.length === 0) schedule = { ...schedule, milestones: defaultMilestones(epochs) };
  const c: TrainConfig = {
    arch,
    data,
    epochs,
    batchSize: options.batchSize ?? base?.batchSize ?? DEFAULT_TRAIN_OPTIONS.batchSize,
    lr: options.lr ?? base?.lr ?? (optimizer.kind === 'sgd' ? 0.1 : 1e-3),
    optimizer,
    schedule: validateSchedule(schedule),
    labelSmoothing: options.labelSmoothing ?? base?.labelSmoothing ?? DEFAULT_TRAIN_OPTIONS.labelSmoothing,
    weightDecayExclusion: options.weightDecayExclusion ?? base?.weightDecayExclusion ?? DEFAULT_TRAIN_OPTIONS.weightDecayExclusion,
    seed: options.seed ?? base?.seed ?? DEFAULT_TRAIN_OPTIONS.seed,
    augment: options.augment ?? base?.augment ?? 'auto',
    init: options.init ?? base?.init ?? DEFAULT_TRAIN_OPTIONS.init,
    width: options.width ?? base?.width ?? DEFAULT_TRAIN_OPTIONS.width,
    mean: options.mean ?? base?.mean ?? null,
    std: options.std ?? base?.std ?? null,
    trainLimit: options.trainLimit ?? base?.trainLimit ?? null,
    valLimit: options.valLimit ?? base?.valLimit ?? null,
    dropLast: options.dropLast ?? base?.dropLast ?? DEFAULT_TRAIN_OPTIONS.dropLast,
    ...textConfig(options.vocabSize ?? base?.vocabSize, options.sequenceLength ?? base?.sequenceLength),
    ...optional('swaStart', options.swaStart ?? base?.swaStart),
    ...(base?.from ? { from: base.from } : {}),
  };
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw optionsError(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt('epochs', c.epochs);
  positiveInt('batch size', c.batchSize);
  if (c.trainLimit !== null) positiveInt('train limit', c.trainLimit);
  if (c.valLimit !== null) positiveInt('validation limit', c.valLimit);
  if (!(c.lr > 0 && Number.isFinite(c.lr))) throw optionsError(`learning rate must be a positive number, got ${c.lr}`);
  if (!Number.isInteger(c.seed)) throw optionsError(`seed must be an integer, got ${c.seed}`);
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) throw optionsError(`label smoothing must be in [0, 1), got ${c.labelSmoothing}`);
  if ((c.mean === null) !== (c.std === null)) throw optionsError('give both mean and std, or neither');
  if (c.swaStart !== undefined && !(Number.isInteger(c.swaStart) && c.swaStart >= 1 && c.swaStart <= c.epochs)) {
    throw optionsError(`the averaging start epoch must be an integer in 1..${c.epochs} (the epochs), got ${c.swaStart}`);
  }
  return c;
}

/** `{ [key]: value }`, or nothing for an undefined value (absent keys keep older checkpoints resumable). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function textConfig(vocabSize: number | undefined, sequenceLength: number | undefined): Pick<TrainConfig, 'vocabSize' | 'sequenceLength'> {
  return { ...optional('vocabSize', vocabSize), ...optional('sequenceLength', sequenceLength) };
}

/** The usual normalization of well-known datasets, recognised by sample shape, class count and name. */
export function defaultNormalization(data: string, sampleShape: readonly number[], classes: number): { mean: number[]; std: number[] } {
  const shape = sampleShape.join('x');
  if (shape === '1x28x28') return /fashion/i.test(data) ? { mean: [0.286], std: [0.353] } : { mean: [0.1307], std: [0.3081] };
  if (shape === '3x32x32' && classes === 10) return { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
  if (shape === '3x32x32' && classes === 100) return { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] };
  // Speech Commands spectrogram images: pixel mean/std of every 20th training image (2,114 of them).
  if (shape === '1x98x40' && classes === 12) return { mean: [0.331], std: [0.198] };
  return { mean: [0], std: [1] };
}
