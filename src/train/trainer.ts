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
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MsatError, asInputType, writeFileAtomic, type Tensor } from '../core/index.js';
import { openDataset, type Batch, type Dataset } from '../data/index.js';
import { exportOnnx, loadNetwork, readModelMetadata, writeModelMetadata, type Network } from '../model/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import { Runner } from '../runtime/index.js';
import { buildArchitecture } from './architectures.js';
import { augmentBatch, type AugmentOptions } from './augment.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { initializeNetwork } from './init.js';
import { createOptimizer, learningRate } from './optim/index.js';
import { parameterSpecs, readParameters, withParameters } from './parameters.js';
import { deriveRng, shuffledIndices, type TrainRng } from './rng.js';
import { EvalRunner, StepRunner, drawDropoutMasks, type TrainBatch } from './step-runner.js';
import { SWA_PREFIX, foldIntoAverage, recomputeBatchNorm } from './swa.js';
import {
  defaultNormalization,
  optionsError,
  resolveTrainConfig,
  textConfig,
  type EpochRecord,
  type TrainConfig,
  type TrainOptions,
  type TrainResult,
} from './train-options.js';

async function openData(c: TrainConfig): Promise<{ trainSet: Dataset; valSet: Dataset; mean: number[]; std: number[] }> {
  const limits = (l: number | null): { limit?: number; vocabSize?: number; sequenceLength?: number } => ({
    ...(l === null ? {} : { limit: l }),
    ...textConfig(c.vocabSize, c.sequenceLength),
  });
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

/** The batch with its samples in the network's input type (token ids arrive as float32 from the shared loaders). */
function toInputType(network: Network, batch: { x: Tensor<'float32'>; labels: Int32Array }): TrainBatch {
  return { x: asInputType(batch.x, network.inputs[0].type), labels: batch.labels };
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
  let resumed: Checkpoint<TrainConfig> | undefined;
  let start: StartingWeights | undefined;
  if (options.resume !== undefined) {
    resumed = await loadCheckpoint<TrainConfig>(await resolveResumePath(options.resume), { complete: true });
    const saved = resumed.header.config;
    config = resolveTrainConfig(options, saved);
    if (options.from !== undefined && (await resolveResumePath(options.from)) !== saved.from?.checkpoint) {
      throw optionsError(
        `--resume continues the checkpoint's run, which started from ${saved.from?.checkpoint ?? 'an initialisation'}, not from ${options.from}`,
      );
    }
    for (const key of Object.keys(config) as (keyof TrainConfig)[]) {
      if (key !== 'epochs' && JSON.stringify(config[key]) !== JSON.stringify(saved[key])) {
        throw optionsError(
          `--resume continues the checkpoint's run, whose ${key} is ${JSON.stringify(saved[key])}; ${JSON.stringify(config[key])} was given (only epochs may change)`,
        );
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
  const network = resumed
    ? arch.network
    : start
      ? startingPoint(arch.network, config, start)
      : initializeNetwork(arch.network, config.init, config.seed);
  const optimizer = createOptimizer(config.optimizer);
  // 'extended' leaves out onnxruntime's NCHWc layout pass, whose reorders cost more than they save in these
  // graphs (ResNet-20 at batch 128: 1.01 s against 1.11 s per step, best of 5, 2 threads).
  const runner = options.runner ?? new Runner({ threads: options.threads ?? 0, graphOptimizationLevel: 'extended' });
  // Session cache keys name everything the graphs depend on, so a shared runner never mixes two runs' graphs.
  const key = JSON.stringify({
    arch: config.arch,
    width: config.width,
    shape: trainSet.sampleShape,
    classes,
    vocab: trainSet.text?.vocabSize,
    optimizer: config.optimizer,
    labelSmoothing: config.labelSmoothing,
    weightDecayExclusion: config.weightDecayExclusion,
  });
  try {
    const steps = await StepRunner.create(
      runner,
      network,
      { optimizer, labelSmoothing: config.labelSmoothing, dropout: arch.dropout, weightDecayExclusion: config.weightDecayExclusion },
      resumed?.state,
      `train:${key}`,
    );
    const evaluator = await EvalRunner.create(runner, network, `eval:${key}`);
    /** Validation of `state`, reported as the validate phase of `epoch` (1-based). */
    const validateState = (state: ReadonlyMap<string, Float32Array>, epoch: number, lr: number) =>
      validate(evaluator, valSet, state, network, (vDone, vLoss, vCorrect) =>
        options.onProgress?.({
          phase: 'validate',
          epoch,
          epochs: config.epochs,
          done: vDone,
          total: valSet.length,
          loss: vLoss / vDone,
          accuracy: vCorrect / vDone,
          samplesPerSecond: 0,
          lr,
        }),
      );
    const augment: AugmentOptions | false =
      config.augment === 'auto'
        ? trainSet.sampleShape.length === 3 && trainSet.sampleShape[0] === 3
          ? { cropPadding: 4, flip: true }
          : false
        : config.augment;
    // torchvision pads the raw image with black; black after normalization is −mean/std per channel.
    const at = (v: readonly number[], c: number): number => (v.length === 1 ? v[0] : v[c]);
    const black = Array.from({ length: trainSet.sampleShape[0] }, (_, c) => -at(mean, c) / at(std, c));
    const fill = augment ? (augment.fill ?? black) : black;
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
          throw new MsatError(
            'TRAIN_DIVERGED',
            `epoch ${epoch + 1}, step ${step}: the loss is ${r.loss}; lower the learning rate (now ${lr.toPrecision(3)})`,
          );
        }
        step++;
        lossSum += r.loss * raw.labels.length;
        correct += r.correct;
        done += raw.labels.length;
        const seconds = (clock() - started) / 1000;
        options.onProgress?.({
          phase: 'train',
          epoch: epoch + 1,
          epochs: config.epochs,
          done,
          total: usable.length,
          loss: lossSum / done,
          accuracy: correct / done,
          samplesPerSecond: seconds > 0 ? done / seconds : 0,
          lr,
        });
      }
      const trainSeconds = (clock() - started) / 1000;
      if (config.swaStart !== undefined && epoch + 1 >= config.swaStart) {
        foldIntoAverage(average, new Map(trainable.map((s) => [s.name, steps.state.get(s.name)!])), epoch + 1 - config.swaStart);
      }
      const val = await validateState(steps.state, epoch + 1, lr);
      accuracy = val.accuracy;
      const record: EpochRecord = {
        epoch: epoch + 1,
        lr,
        trainLoss: lossSum / done,
        trainAccuracy: correct / done,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        stepsPerSecond: stepsPerEpoch / trainSeconds,
        samplesPerSecond: done / trainSeconds,
        seconds: (clock() - started) / 1000,
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
        checkpointPath = await saveCheckpoint(
          join(options.checkpointDir, 'checkpoint.json'),
          {
            epoch: epoch + 1,
            step,
            rng: { seed: config.seed, epoch: epoch + 1, scheme: 'derived-per-epoch' },
            config,
            history,
          },
          saved,
          dims,
        );
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
      const statistics = await recomputeBatchNorm(
        steps,
        trainSet,
        config.batchSize,
        average,
        optimizer.scalars(step, 0),
        (raw) => prepare(raw, statsRng),
        (done) =>
          options.onProgress?.({
            phase: 'statistics',
            epoch: config.epochs,
            epochs: config.epochs,
            done,
            total: trainSet.length,
            loss: 0,
            accuracy: 0,
            samplesPerSecond: 0,
            lr: 0,
          }),
      );
      finalState = new Map([...steps.state, ...average, ...statistics]);
      const val = await validateState(finalState, config.epochs, 0);
      swa = { epochs: config.epochs - config.swaStart + 1, valLoss: val.loss, valAccuracy: val.accuracy };
      accuracy = val.accuracy;
    }
    // What `msat eval`, `simulate` and `predict` read back (model/metadata.ts), and what reading the data again
    // needs beyond the folder: the text encoding (`textOptionsOfMetadata`).
    const metadata = writeModelMetadata(
      {
        arch: config.arch,
        dataset: config.data,
        mean,
        std,
        accuracy,
        classes: trainSet.classes,
        config: { ...config },
        ...(trainSet.text ? { vocabSize: trainSet.text.vocabSize, sequenceLength: trainSet.text.sequenceLength } : {}),
      },
      `${config.arch}.onnx`,
    );
    const trained = withParameters({ ...network, source: `${config.arch}.onnx` }, finalState, metadata);
    let modelPath: string | undefined;
    if (options.out !== undefined) {
      await mkdir(dirname(options.out), { recursive: true });
      // Atomically: a kill while the model was being written would otherwise leave a torn file under its name.
      await writeFileAtomic(options.out, encodeOnnxModel(exportOnnx(trained, { producerName: 'msat-train', weights: options.weights })));
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
    const { header, state } = await loadCheckpoint<TrainConfig>(path);
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
    throw optionsError(
      `--from ${config.from?.checkpoint}: that run trained ${from.arch} at width ${from.width}, this one is ${config.arch} at width ${config.width}`,
    );
  }
  for (const spec of parameterSpecs(network)) {
    if (!start.state.has(spec.name)) throw optionsError(`--from ${config.from?.checkpoint}: it has no tensor ${spec.name}`);
  }
  return withParameters(network, start.state);
}

/** Mean loss and accuracy of the current state on the validation set (batch norm in inference mode). */
async function validate(
  evaluator: EvalRunner,
  valSet: Dataset,
  state: ReadonlyMap<string, Float32Array>,
  network: Network,
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
