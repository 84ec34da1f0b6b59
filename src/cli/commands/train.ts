/**
 * `msat train --arch <name> --data DIR --epochs E --batch B --lr L ...`: trains one of msat's architectures on
 * onnxruntime and writes an ONNX model whose metadata (architecture, dataset, normalization, accuracy, config)
 * `msat eval` and `msat simulate` read. Progress (loss, accuracy, samples/s, ETA) goes to stderr, one summary
 * line per epoch; the result goes to stdout (`--json`: one JSON object).
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { GlobalOptions } from '../global-options.js';
import { DATA_HELP } from '../dataset-flags.js';
import {
  parseInteger,
  parseNonNegativeInt,
  parseNonNegativeNumber,
  parseNumberList,
  parseOneOf,
  parsePositiveInt,
  parsePositiveNumber,
} from '../parse.js';

const ARCHS = ['mnist-cnn', 'vgg16', 'resnet20', 'resnet18', 'text-cnn', 'speech-cnn'] as const;
const OPTIMIZERS = ['sgd', 'adamw', 'adam'] as const;
const SCHEDULES = ['cosine', 'onecycle', 'step', 'constant'] as const;

interface TrainFlags {
  readonly arch?: (typeof ARCHS)[number];
  readonly data?: string;
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly optimizer?: (typeof OPTIMIZERS)[number];
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
  readonly decayExclude?: 'none' | 'bias-and-norm';
  readonly schedule?: (typeof SCHEDULES)[number];
  readonly milestones?: number[];
  readonly warmup?: number;
  readonly labelSmoothing?: number;
  readonly seed?: number;
  readonly width?: number;
  readonly mean?: number[];
  readonly std?: number[];
  readonly limit?: number;
  readonly valLimit?: number;
  readonly vocabSize?: number;
  readonly sequenceLength?: number;
  readonly augment: boolean;
  readonly cutout?: number;
  readonly swaStart?: number;
  readonly init?: 'kaiming-normal' | 'pytorch-default';
  readonly out?: string;
  readonly weights?: 'float32' | 'float16';
  readonly resume?: string;
  readonly from?: string;
  readonly checkpointDir?: string;
  readonly untilEpoch?: number;
  readonly json?: boolean;
}

const oneOf = parseOneOf;

export function registerTrain(program: Command, globals: () => GlobalOptions): void {
  program
    .command('train')
    .description("train one of msat's architectures on onnxruntime and write it as ONNX with its metadata")
    .option('--arch <name>', `architecture: ${ARCHS.join(' | ')}`, oneOf(ARCHS))
    .option('--data <dir>', `${DATA_HELP}; the train split trains, the test split validates`)
    .option('--epochs <n>', '[number] epochs (default: 10)', parsePositiveInt)
    .option('--batch <n>', '[number] samples per step (default: 128)', parsePositiveInt)
    .option('--lr <rate>', '[number] base / peak learning rate (default: 0.1 for sgd, 0.001 for adam(w))', parsePositiveNumber)
    .option('--optimizer <name>', `${OPTIMIZERS.join(' | ')} (default: sgd)`, oneOf(OPTIMIZERS))
    .option('--momentum <m>', '[number] SGD momentum (default: 0.9)', parseNonNegativeNumber)
    .option('--nesterov', 'SGD with Nesterov momentum')
    .option('--weight-decay <w>', '[number] weight decay (default: 5e-4 for sgd, 0.01 for adamw, 0 for adam)', parseNonNegativeNumber)
    .option(
      '--decay-exclude <what>',
      'none | bias-and-norm: parameters without weight decay (default: none, as PyTorch)',
      oneOf(['none', 'bias-and-norm'] as const),
    )
    .option('--schedule <name>', `learning-rate schedule: ${SCHEDULES.join(' | ')} (default: cosine)`, oneOf(SCHEDULES))
    .option(
      '--milestones <list>',
      'epochs where the step schedule multiplies the rate by 0.1 (default: 50 % and 75 % of the epochs)',
      parseNumberList,
    )
    .option('--warmup <epochs>', '[number] linear warm-up epochs of the cosine schedule (default: 0)', parseNonNegativeNumber)
    .option('--label-smoothing <e>', '[number] label smoothing of the cross-entropy (default: 0)', parseNonNegativeNumber)
    .option('--seed <s>', '[number] seed of initialisation, shuffling, augmentation and dropout (default: 0)', parseInteger)
    .option('--width <w>', '[number] channel width multiplier (default: 1)', parsePositiveNumber)
    .option('--mean <list>', 'per-channel mean (default: the usual values for MNIST / CIFAR / Speech Commands spectrograms, else 0)', parseNumberList)
    .option('--std <list>', 'per-channel std (default: the usual values for MNIST / CIFAR / Speech Commands spectrograms, else 1)', parseNumberList)
    .option('--limit <n>', '[number] train on the first N training samples', parsePositiveInt)
    .option('--val-limit <n>', '[number] validate on the first N test samples', parsePositiveInt)
    .option('--vocab-size <n>', '[number] text data (imdb): token ids, padding and unknown included (default: 20000)', parsePositiveInt)
    .option('--sequence-length <n>', '[number] text data (imdb): tokens per review (default: 256)', parsePositiveInt)
    .option('--no-augment', 'no random crop / flip (default: on for 3-channel images only, so never for text or spectrograms)')
    .option(
      '--cutout <px>',
      '[number] after crop / flip, zero a random px × px square of each training image (Cutout; default: 0, off)',
      parseNonNegativeInt,
    )
    .option(
      '--swa-start <epoch>',
      '[number] stochastic weight averaging: the model written is the mean of the weights at the end of this epoch and every later one, batch-norm statistics recomputed (usually with --schedule constant)',
      parsePositiveInt,
    )
    .option('--init <scheme>', 'kaiming-normal | pytorch-default (default: kaiming-normal)', oneOf(['kaiming-normal', 'pytorch-default'] as const))
    .option('--out <file>', 'write the trained model here (ONNX)')
    .option(
      '--weights <type>',
      'float32 | float16: how --out stores the weights (float16: half the file, computed in float32)',
      oneOf(['float32', 'float16'] as const),
    )
    .option('--checkpoint-dir <dir>', 'write checkpoint.json + checkpoint.bin here after every epoch')
    .option('--resume <checkpoint>', 'continue the run of this checkpoint (its .json, or its folder) bit for bit')
    .option(
      '--from <checkpoint>',
      'start a new run (own schedule, fresh optimizer state) from the weights of this checkpoint, or of a model msat trained (.onnx): fine-tuning or a second cycle; what is not given is taken from that run',
    )
    .option('--until-epoch <n>', '[number] stop (resumably) after this many epochs are complete', parsePositiveInt)
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: TrainFlags, command: Command) => {
      if (flags.resume === undefined && flags.from === undefined && (flags.arch === undefined || flags.data === undefined)) {
        command.error('error: --arch and --data are required (unless --resume or --from is given)', { exitCode: 2, code: 'msat.usage' });
      }
      if (flags.augment === false && flags.cutout !== undefined) {
        command.error('error: --cutout is part of the augmentation that --no-augment turns off', { exitCode: 2, code: 'msat.usage' });
      }
      const [{ train, DEFAULT_AUGMENT_OPTIONS }, { assertDistinctPaths, assertWritableFolder }] = await Promise.all([
        import('../../train/index.js'),
        import('../../core/index.js'),
      ]);
      // before hours of training, not after: the model must not replace an input, and its folder must take files
      assertDistinctPaths({ model: flags.out }, { 'starting model or checkpoint': flags.from, 'checkpoint resumed': flags.resume });
      if (flags.out !== undefined) assertWritableFolder(dirname(resolve(flags.out)));
      if (flags.checkpointDir !== undefined) assertWritableFolder(flags.checkpointDir);
      const options = toTrainOptions(flags, DEFAULT_AUGMENT_OPTIONS);
      const bar = createTrainProgress(flags.json === true);
      const started = Date.now();
      try {
        const result = await train({
          ...options,
          threads: globals().threads,
          onProgress: (p) => bar.update(p),
          onEpoch: (e) => bar.epoch(e),
        });
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        if (flags.json) {
          process.stdout.write(
            JSON.stringify({
              arch: result.config.arch,
              data: result.config.data,
              model: result.modelPath ?? null,
              checkpoint: result.checkpointPath ?? null,
              accuracy: result.accuracy,
              epochs: result.epochsDone,
              seconds,
              config: result.config,
              history: result.history,
              swa: result.swa ?? null,
            }) + '\n',
          );
        } else {
          const last = result.history[result.history.length - 1];
          process.stdout.write(
            [
              `arch       ${result.config.arch} on ${result.config.data}`,
              `epochs     ${result.epochsDone} / ${result.config.epochs}`,
              `accuracy   ${(100 * result.accuracy).toFixed(2)} % (validation${result.swa ? `, the mean of the last ${result.swa.epochs} epochs' weights; the last epoch's: ${(100 * (last?.valAccuracy ?? 0)).toFixed(2)} %` : ''})`,
              ...(last ? [`speed      ${last.stepsPerSecond.toFixed(2)} steps/s, ${last.samplesPerSecond.toFixed(0)} samples/s (last epoch)`] : []),
              ...(result.modelPath ? [`model      ${result.modelPath}`] : []),
              ...(result.checkpointPath ? [`checkpoint ${result.checkpointPath}`] : []),
              `time       ${seconds.toFixed(1)} s`,
            ].join('\n') + '\n',
          );
        }
      } finally {
        bar.stop();
      }
    });
}

/** Flags -> the library's options (only what was given; the library applies its defaults). */
function toTrainOptions(
  f: TrainFlags,
  augmentDefaults: { readonly cropPadding: number; readonly flip: boolean },
): import('../../train/index.js').TrainOptions {
  const kind = f.optimizer ?? 'sgd';
  const optimizer =
    kind === 'sgd'
      ? {
          kind,
          ...(f.momentum !== undefined ? { momentum: f.momentum } : {}),
          ...(f.nesterov ? { nesterov: true } : {}),
          ...(f.weightDecay !== undefined ? { weightDecay: f.weightDecay } : {}),
        }
      : { kind, ...(f.weightDecay !== undefined ? { weightDecay: f.weightDecay } : {}) };
  const given = f.optimizer !== undefined || f.momentum !== undefined || f.nesterov || f.weightDecay !== undefined;
  let schedule: import('../../train/index.js').LrSchedule | undefined;
  switch (f.schedule) {
    case 'cosine':
      schedule = { kind: 'cosine', ...(f.warmup !== undefined ? { warmupEpochs: f.warmup } : {}) };
      break;
    case 'onecycle':
      schedule = { kind: 'onecycle' };
      break;
    case 'step':
      schedule = { kind: 'step', milestones: f.milestones ?? [] };
      break;
    case 'constant':
      schedule = { kind: 'constant' };
      break;
    default:
      schedule = f.warmup !== undefined ? { kind: 'cosine', warmupEpochs: f.warmup } : undefined;
  }
  const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return defined({
    arch: f.arch,
    data: f.data,
    epochs: f.epochs,
    batchSize: f.batch,
    lr: f.lr,
    optimizer: given ? optimizer : undefined,
    schedule,
    labelSmoothing: f.labelSmoothing,
    seed: f.seed,
    width: f.width,
    mean: f.mean,
    std: f.std,
    trainLimit: f.limit,
    valLimit: f.valLimit,
    vocabSize: f.vocabSize,
    sequenceLength: f.sequenceLength,
    augment:
      f.augment === false
        ? (false as const)
        : f.cutout !== undefined
          ? { cropPadding: augmentDefaults.cropPadding, flip: augmentDefaults.flip, cutout: f.cutout }
          : undefined,
    weightDecayExclusion: f.decayExclude,
    init: f.init ? { kind: f.init } : undefined,
    swaStart: f.swaStart,
    out: f.out,
    weights: f.weights,
    checkpointDir: f.checkpointDir,
    resume: f.resume,
    from: f.from,
    untilEpoch: f.untilEpoch,
  });
}

interface TrainProgressView {
  update(p: import('../../train/index.js').TrainProgress): void;
  epoch(e: import('../../train/index.js').EpochRecord): void;
  stop(): void;
}

/**
 * A bar per epoch on stderr (loss, accuracy, samples/s, ETA) on a terminal, a line every few seconds otherwise,
 * and one summary line per epoch. `quiet` (with --json) keeps the summary lines only.
 */
function createTrainProgress(quiet: boolean): TrainProgressView {
  let bar: cliProgress.SingleBar | undefined;
  let barKey = '';
  let epochStarted = Date.now();
  // As `createProgress`: no bar for an epoch that is over within 0.7 s, so short runs print only their summaries.
  const delayMs = 700;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(p) {
      if (quiet || p.phase === 'validate') return;
      const key = `${p.phase} ${p.epoch}`;
      if (barKey !== key) {
        stopBar();
        barKey = key;
        epochStarted = Date.now();
      }
      if (!bar) {
        if (Date.now() - epochStarted < delayMs || p.done >= p.total) return;
        bar = new cliProgress.SingleBar(
          {
            format:
              p.phase === 'train'
                ? `epoch ${p.epoch}/${p.epochs} [{bar}] {percentage}% | loss {loss} | acc {acc} % | {rate} samples/s | ETA {eta_formatted}`
                : 'batch-norm statistics of the averaged weights [{bar}] {percentage}% | ETA {eta_formatted}',
            stream: process.stderr,
            noTTYOutput: !process.stderr.isTTY,
            notTTYSchedule: 5000,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.total, 0, { loss: '-', acc: '-', rate: '0' });
      }
      bar.update(p.done, { loss: p.loss.toFixed(4), acc: (100 * p.accuracy).toFixed(2), rate: p.samplesPerSecond.toFixed(0) });
    },
    epoch(e) {
      stopBar();
      process.stderr.write(
        `epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)}, train acc ${(100 * e.trainAccuracy).toFixed(2)} %, ` +
          `val loss ${e.valLoss.toFixed(4)}, val acc ${(100 * e.valAccuracy).toFixed(2)} %, lr ${e.lr.toPrecision(3)}, ` +
          `${e.stepsPerSecond.toFixed(2)} steps/s, ${e.seconds.toFixed(1)} s\n`,
      );
    },
    stop: stopBar,
  };
}
