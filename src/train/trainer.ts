/**
 * The training loop: `train(options)` builds the architecture, initialises it from the seed, and runs epochs of
 * shuffled (seeded) batches through the step graph, with augmentation, a validation pass per epoch on the test
 * split, a checkpoint per epoch, and a final ONNX model whose metadata lets `msat eval` and `msat simulate`
 * run it without extra flags.
 *
 * Reproducibility: every random choice draws from a stream derived from (seed, purpose, epoch), so a run
 * resumed from an epoch checkpoint visits the same batches with the same crops and masks as the
 * uninterrupted run and, with the same onnxruntime thread count, produces the same weights bit for bit.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MsatError, type Tensor } from '../core/index.js';
import { openDataset, type Batch, type Dataset } from '../data/index.js';
import { exportOnnx, loadNetwork, readModelMetadata, writeModelMetadata, type Network } from '../model/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import { Runner } from '../runtime/index.js';
import { buildArchitecture, isArchitectureName, ARCHITECTURES, type ArchitectureName } from './architectures.js';
import { augmentBatch, type AugmentOptions } from './augment.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { DEFAULT_INIT_SCHEME, initializeNetwork, type InitScheme } from './init.js';
import {
  createOptimizer, defaultMilestones, learningRate, validateSchedule, type LrSchedule, type OptimizerConfig, type WeightDecayExclusion,
} from './optim/index.js';
import { parameterSpecs, readParameters, withParameters } from './parameters.js';
import { deriveRng, shuffledIndices, type TrainRng } from './rng.js';
import { EvalRunner, StepRunner, drawDropoutMasks, type TrainBatch } from './step-runner.js';
import { SWA_PREFIX, foldIntoAverage, recomputeBatchNorm } from './swa.js';

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
  epochs: 10, batchSize: 128, optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 } as OptimizerConfig, schedule: { kind: 'cosine' } as LrSchedule,
  labelSmoothing: 0, weightDecayExclusion: 'none' as WeightDecayExclusion, seed: 0, init: DEFAULT_INIT_SCHEME, width: 1, dropLast: false,
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

export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  /** Learning rate of the epoch's last step. */
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  /** Training steps per second and samples per second of the epoch (validation excluded). */
  readonly stepsPerSecond: number;
  readonly samplesPerSecond: number;
  readonly seconds: number;
}

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

function optionsError(message: string): MsatError {
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

function textConfig(vocabSize: number | undefined, sequenceLength: number | undefined): Pick<TrainConfig, 'vocabSize' | 'sequenceLength'> {
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

async function openData(c: TrainConfig): Promise<{ trainSet: Dataset; valSet: Dataset; mean: number[]; std: number[] }> {
  const limits = (l: number | null): { limit?: number; vocabSize?: number; sequenceLength?: number } =>
    ({ ...(l === null ? {} : { limit: l }), ...textConfig(c.vocabSize, c.sequenceLength) });
  let mean = c.mean ? [...c.mean] : undefined;
  let std = c.std ? [...c.std] : undefined;
  let trainSet = await openDataset(c.data, { split: 'train', ...limits(c.trainLimit), ...(mean ? { mean, std } : {}) });
  if (!mean || !std) {
    ({ mean, std } = defaultNormalization(c.data, trainSet.sampleShape, trainSet.classes.length));
    trainSet = await openDataset(c.data, { split: 'train', ...limits(c.trainLimit), mean, std });
  }
  const valSet = await openDataset(c.data, { split: 'test', ...limits(c.valLimit), mean, std });
  return { trainSet, valSet, mean, std };
}

function toInputType(network: Network, batch: { x: Tensor<'float32'>; labels: Int32Array }): TrainBatch {
  if (network.inputs[0].type !== 'int64') return batch;
  // Token ids arrive as float32 from the shared loaders; they are exact integers below 2^24.
  return { x: { type: 'int64', dims: batch.x.dims, data: BigInt64Array.from(batch.x.data, (v) => BigInt(Math.round(v))) }, labels: batch.labels };
}

async function resolveResumePath(path: string): Promise<string> {
  try {
    if ((await stat(path)).isDirectory()) return join(path, 'checkpoint.json');
  } catch {
    // Missing: loadCheckpoint reports it.
  }
  return path;
}

/** Trains a network; see the file comment and `TrainOptions`. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const clock = options.clock ?? (() => performance.now());
  let config: TrainConfig;
  let resumed: Checkpoint<TrainConfig, EpochRecord[]> | undefined;
  let start: StartingWeights | undefined;
  if (options.resume !== undefined) {
    resumed = await loadCheckpoint<TrainConfig, EpochRecord[]>(await resolveResumePath(options.resume));
    const saved = resumed.header.config;
    config = resolveTrainConfig(options, saved);
    if (options.from !== undefined && (await resolveResumePath(options.from)) !== saved.from?.checkpoint) {
      throw optionsError(`--resume continues the checkpoint's run, which started from ${saved.from?.checkpoint ?? 'an initialisation'}, not from ${options.from}`);
    }
    for (const key of Object.keys(config) as (keyof TrainConfig)[]) {
      if (key !== 'epochs' && JSON.stringify(config[key]) !== JSON.stringify(saved[key])) {
        throw optionsError(`--resume continues the checkpoint's run, whose ${key} is ${JSON.stringify(saved[key])}; ${JSON.stringify(config[key])} was given (only epochs may change)`);
      }
    }
  } else if (options.from !== undefined) {
    // A new run that takes what the options leave out (architecture, data, optimizer, ...) from the earlier one.
    const checkpoint = await resolveResumePath(options.from);
    start = await loadStart(checkpoint);
    config = {
      ...resolveTrainConfig(options, start.config),
      from: { checkpoint, epoch: start.epoch, valAccuracy: start.valAccuracy, config: start.config },
    };
  } else {
    config = resolveTrainConfig(options);
  }
  const untilEpoch = Math.min(options.untilEpoch ?? config.epochs, config.epochs);

  const { trainSet, valSet, mean, std } = await openData(config);
  const classes = trainSet.classes.length;
  const arch = buildArchitecture(config.arch, { sampleShape: trainSet.sampleShape, classes, width: config.width, vocab: trainSet.text?.vocabSize });
  const network = resumed ? arch.network : start ? startingPoint(arch.network, config, start) : initializeNetwork(arch.network, config.init, config.seed);
  const optimizer = createOptimizer(config.optimizer);
  // 'extended' leaves out onnxruntime's NCHWc layout pass, whose reorders cost more than they save in these
  // graphs (ResNet-20 at batch 128: 1.01 s against 1.11 s per step, best of 5, 2 threads).
  const runner = options.runner ?? new Runner({ threads: options.threads ?? 0, graphOptimizationLevel: 'extended' });
  // Session cache keys name everything the graphs depend on, so a shared runner never mixes two runs' graphs.
  const key = JSON.stringify({
    arch: config.arch, width: config.width, shape: trainSet.sampleShape, classes, vocab: trainSet.text?.vocabSize, optimizer: config.optimizer,
    labelSmoothing: config.labelSmoothing, weightDecayExclusion: config.weightDecayExclusion,
  });
  try {
    const steps = await StepRunner.create(
      runner, network,
      { optimizer, labelSmoothing: config.labelSmoothing, dropout: arch.dropout, weightDecayExclusion: config.weightDecayExclusion },
      resumed?.state, `train:${key}`,
    );
    const evaluator = await EvalRunner.create(runner, network, `eval:${key}`);
    /** Validation of `state`, reported as the validate phase of `epoch` (1-based). */
    const validateState = (state: ReadonlyMap<string, Float32Array>, epoch: number, lr: number) =>
      validate(evaluator, valSet, state, network, (vDone, vLoss, vCorrect) =>
        options.onProgress?.({ phase: 'validate', epoch, epochs: config.epochs, done: vDone, total: valSet.length, loss: vLoss / vDone, accuracy: vCorrect / vDone, samplesPerSecond: 0, lr }));
    const augment: AugmentOptions | false = config.augment === 'auto'
      ? (trainSet.sampleShape.length === 3 && trainSet.sampleShape[0] === 3 ? { cropPadding: 4, flip: true } : false)
      : config.augment;
    // torchvision pads the raw image with black; black after normalization is −mean/std per channel.
    const at = (v: readonly number[], c: number): number => (v.length === 1 ? v[0] : v[c]);
    const black = Array.from({ length: trainSet.sampleShape[0] }, (_, c) => -at(mean, c) / at(std, c));
    const fill = augment ? augment.fill ?? black : black;
    /** A training batch as the step graph takes it: augmented (drawing from `rng`) and in the input's type. */
    const prepare = (raw: Batch, rng: TrainRng): TrainBatch =>
      toInputType(network, { x: augment ? augmentBatch(raw.x, { ...augment, fill }, rng) : raw.x, labels: raw.labels });

    const n = trainSet.length;
    const stepsPerEpoch = config.dropLast ? Math.floor(n / config.batchSize) : Math.ceil(n / config.batchSize);
    if (stepsPerEpoch === 0) throw optionsError(`${n} training samples make no full batch of ${config.batchSize}`);
    const totalSteps = stepsPerEpoch * config.epochs;
    const history: EpochRecord[] = [...(resumed?.header.history ?? [])];
    let step = resumed?.header.step ?? 0;
    let accuracy = history.length > 0 ? history[history.length - 1].valAccuracy : 0;
    const startEpoch = resumed?.header.epoch ?? 0;
    let checkpointPath: string | undefined;
    const stateDims = new Map(steps.graph.state.map((s) => [s.name, s.dims]));
    const trainable = steps.graph.state.filter((s) => s.kind === 'param');
    // The running mean of the weights (SWA), carried in the checkpoint as `swa:<name>` tensors.
    const average = new Map<string, Float32Array>();
    for (const s of trainable) {
      const v = resumed?.state.get(SWA_PREFIX + s.name);
      if (v) average.set(s.name, v);
    }

    for (let epoch = startEpoch; epoch < untilEpoch; epoch++) {
      const order = shuffledIndices(n, deriveRng(config.seed, 'shuffle', epoch));
      const usable = config.dropLast ? order.subarray(0, stepsPerEpoch * config.batchSize) : order;
      const augmentRng = deriveRng(config.seed, 'augment', epoch);
      const dropoutRng = deriveRng(config.seed, 'dropout', epoch);
      const started = clock();
      let lossSum = 0;
      let correct = 0;
      let done = 0;
      let lr = config.lr;
      for await (const raw of trainSet.batches(config.batchSize, { order: usable })) {
        lr = learningRate(config.schedule, config.lr, { step, stepsPerEpoch, totalSteps });
        const batch = prepare(raw, augmentRng);
        const r = await steps.step(batch, optimizer.scalars(step, lr), drawDropoutMasks(steps.graph, raw.labels.length, dropoutRng));
        if (!Number.isFinite(r.loss)) {
          throw new MsatError('TRAIN_DIVERGED', `epoch ${epoch + 1}, step ${step}: the loss is ${r.loss}; lower the learning rate (now ${lr.toPrecision(3)})`);
        }
        step++;
        lossSum += r.loss * raw.labels.length;
        correct += r.correct;
        done += raw.labels.length;
        const seconds = (clock() - started) / 1000;
        options.onProgress?.({ phase: 'train', epoch: epoch + 1, epochs: config.epochs, done, total: usable.length, loss: lossSum / done, accuracy: correct / done, samplesPerSecond: seconds > 0 ? done / seconds : 0, lr });
      }
      const trainSeconds = (clock() - started) / 1000;
      if (config.swaStart !== undefined && epoch + 1 >= config.swaStart) {
        foldIntoAverage(average, new Map(trainable.map((s) => [s.name, steps.state.get(s.name)!])), epoch + 1 - config.swaStart);
      }
      const val = await validateState(steps.state, epoch + 1, lr);
      accuracy = val.accuracy;
      const record: EpochRecord = {
        epoch: epoch + 1, lr, trainLoss: lossSum / done, trainAccuracy: correct / done, valLoss: val.loss, valAccuracy: val.accuracy,
        stepsPerSecond: stepsPerEpoch / trainSeconds, samplesPerSecond: done / trainSeconds, seconds: (clock() - started) / 1000,
      };
      history.push(record);
      if (options.checkpointDir !== undefined) {
        await mkdir(options.checkpointDir, { recursive: true });
        const saved = new Map(steps.state);
        const dims = new Map(stateDims);
        for (const [name, v] of average) {
          saved.set(SWA_PREFIX + name, v);
          dims.set(SWA_PREFIX + name, stateDims.get(name)!);
        }
        checkpointPath = await saveCheckpoint(join(options.checkpointDir, 'checkpoint.json'), {
          epoch: epoch + 1, step, rng: { seed: config.seed, epoch: epoch + 1, scheme: 'derived-per-epoch' }, config, history,
        }, saved, dims);
      }
      options.onEpoch?.(record);
    }

    const epochsDone = Math.max(startEpoch, untilEpoch);
    let finalState = steps.state;
    let swa: TrainResult['swa'];
    if (config.swaStart !== undefined && epochsDone === config.epochs) {
      // Through the run's augmentation: the weights were trained with the statistics of augmented batches (on
      // ResNet-20 with Cutout, statistics of clean images cost the same weights 2.5 points).
      const statsRng = deriveRng(config.seed, 'swa-statistics', 0);
      const statistics = await recomputeBatchNorm(steps, trainSet, config.batchSize, average, optimizer.scalars(step, 0), (raw) => prepare(raw, statsRng),
        (done) => options.onProgress?.({ phase: 'statistics', epoch: config.epochs, epochs: config.epochs, done, total: trainSet.length, loss: 0, accuracy: 0, samplesPerSecond: 0, lr: 0 }));
      finalState = new Map([...steps.state, ...average, ...statistics]);
      const val = await validateState(finalState, config.epochs, 0);
      swa = { epochs: config.epochs - config.swaStart + 1, valLoss: val.loss, valAccuracy: val.accuracy };
      accuracy = val.accuracy;
    }
    // What `msat eval`, `simulate` and `predict` read back (model/metadata.ts), and what reading the data again
    // needs beyond the folder: the text encoding (`textOptionsOfMetadata`).
    const metadata = writeModelMetadata({
      arch: config.arch,
      dataset: config.data,
      mean,
      std,
      accuracy,
      classes: trainSet.classes,
      config: { ...config },
      ...(trainSet.text ? { vocabSize: trainSet.text.vocabSize, sequenceLength: trainSet.text.sequenceLength } : {}),
    }, `${config.arch}.onnx`);
    const trained = withParameters({ ...network, source: `${config.arch}.onnx` }, finalState, metadata);
    let modelPath: string | undefined;
    if (options.out !== undefined) {
      await mkdir(dirname(options.out), { recursive: true });
      await writeFile(options.out, encodeOnnxModel(exportOnnx(trained, { producerName: 'msat-train', weights: options.weights })));
      modelPath = options.out;
    }
    return { network: trained, config, history, accuracy, ...(swa ? { swa } : {}), epochsDone, modelPath, checkpointPath };
  } finally {
    if (!options.runner) await runner.dispose();
  }
}

/** What `TrainOptions.from` names: the earlier run, and the tensors a new run starts from. */
interface StartingWeights {
  readonly config: TrainConfig;
  readonly epoch: number;
  readonly valAccuracy: number | null;
  readonly state: ReadonlyMap<string, Float32Array>;
}

/**
 * The weights and run of a checkpoint, or of an ONNX model that msat trained (its `msat.config` and
 * `msat.accuracy` metadata; a float16 model's weights widened to float32).
 * @throws MsatError `TRAIN_OPTIONS` when a model lacks msat's training metadata, `MODEL_METADATA` when it is malformed.
 */
async function loadStart(path: string): Promise<StartingWeights> {
  if (!path.toLowerCase().endsWith('.onnx')) {
    const { header, state } = await loadCheckpoint<TrainConfig, EpochRecord[]>(path);
    return { config: header.config, epoch: header.epoch, valAccuracy: header.history.at(-1)?.valAccuracy ?? null, state };
  }
  const model = await loadNetwork(path);
  const metadata = readModelMetadata(model, `--from ${path}`, ['config', 'accuracy']);
  if (metadata.config === undefined) {
    throw optionsError(`--from ${path}: the model has no msat.config metadata (only models that msat train wrote can start a run)`);
  }
  const config = metadata.config as unknown as TrainConfig;
  return { config, epoch: config.epochs, valAccuracy: metadata.accuracy ?? null, state: readParameters(model) };
}

/**
 * `network` with the parameters and batch-norm statistics of `start` (optimizer slots are left behind).
 * @throws MsatError `TRAIN_OPTIONS` when the earlier run trained another architecture or width, or a tensor is missing.
 */
function startingPoint(network: Network, config: TrainConfig, start: StartingWeights): Network {
  const from = start.config;
  if (from.arch !== config.arch || from.width !== config.width) {
    throw optionsError(`--from ${config.from?.checkpoint}: that run trained ${from.arch} at width ${from.width}, this one is ${config.arch} at width ${config.width}`);
  }
  for (const spec of parameterSpecs(network)) {
    if (!start.state.has(spec.name)) throw optionsError(`--from ${config.from?.checkpoint}: it has no tensor ${spec.name}`);
  }
  return withParameters(network, start.state);
}

/** Mean loss and accuracy of the current state on the validation set (batch norm in inference mode). */
async function validate(
  evaluator: EvalRunner, valSet: Dataset, state: ReadonlyMap<string, Float32Array>, network: Network,
  onBatch: (done: number, lossSum: number, correct: number) => void,
): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0;
  let correct = 0;
  let done = 0;
  for await (const raw of valSet.batches(500)) {
    const r = await evaluator.run(toInputType(network, raw), state);
    lossSum += r.lossSum;
    correct += r.correct;
    done += raw.labels.length;
    onBatch(done, lossSum, correct);
  }
  return { loss: done > 0 ? lossSum / done : 0, accuracy: done > 0 ? correct / done : 0 };
}
