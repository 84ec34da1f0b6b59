/**
 * The paper's experiments as presets (`msat experiment <name>`): the dataset, the ANN the project trains for
 * it (shipped in `models/` or trained on demand with the recorded command) and the converters compared on the
 * same weights and thresholds: θ = λ, θ = 0.5·λ, DTT, DET, DTT+DET and DTT+DET with spike confidence.
 */
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { DEFAULT_NEURON_CONFIG, type NeuronConfig } from '../snn/index.js';
import { RESNET_HYPER_PARAMS, VGG_HYPER_PARAMS, type MsatHyperParams } from '../snn/index.js';
import type { ConverterSpec } from './results.js';

export interface Preset {
  readonly name: string;
  readonly description: string;
  /** Model file name under the package's `models/` folder. */
  readonly model: string;
  /**
   * The `msat train` runs that make the model, in order (see `trainingRuns`): each after the first starts
   * `--from` the previous one's checkpoint, the last writes the model.
   */
  readonly train: readonly (readonly string[])[];
  /** `--data` default: a dataset folder (relative to the working directory) or a shortcut. */
  readonly data: string;
  /**
   * Default subset of the test split (every k-th sample): the full test sets take hours per converter on two
   * cores at T = 256; `--every 1` runs them all.
   */
  readonly every: number;
  /** MSAT hyper-parameters the authors used for this family of network (docs/method.md §5). */
  readonly hp: MsatHyperParams;
}

const CIFAR_TRAIN = [
  '--data',
  '.cache/datasets/cifar10-jpeg',
  '--batch',
  '128',
  '--nesterov',
  '--weight-decay',
  '5e-4',
  '--label-smoothing',
  '0.1',
  '--seed',
  '0',
];

export const PRESETS: readonly Preset[] = [
  {
    name: 'mnist-cnn',
    description: 'MNIST, the small CNN that ships with msat (2 conv + 2 max-pool + 2 linear)',
    model: 'mnist-cnn.onnx',
    train: [['--arch', 'mnist-cnn', '--data', 'mnist', '--epochs', '6', '--batch', '128', '--lr', '0.05', '--weights', 'float16']],
    data: 'mnist',
    every: 10,
    hp: VGG_HYPER_PARAMS,
  },
  {
    name: 'cifar10-vgg16',
    // Half width (32 … 256 channels): a quarter of the full network's MACs, so it trains in 30 epochs of ~7 min
    // on two cores (the full width takes ~16 min an epoch); the converter sees the same 13 conv + 5 pool layout.
    description: 'CIFAR-10 (JPEG test set), VGG-16 at half width with batch-norm folded and max-pools as LIPool',
    model: 'cifar10-vgg16.onnx',
    train: [['--arch', 'vgg16', '--width', '0.5', ...CIFAR_TRAIN, '--epochs', '30', '--lr', '0.1', '--schedule', 'onecycle', '--weights', 'float16']],
    data: '.cache/datasets/cifar10-jpeg',
    every: 10,
    hp: VGG_HYPER_PARAMS,
  },
  {
    name: 'cifar10-resnet20',
    description: 'CIFAR-10 (JPEG test set), ResNet-20 with residual adds converted as analog sums of spikes',
    model: 'cifar10-resnet20.onnx',
    // 40 one-cycle epochs end at 87.7 % (underfit: 92.8 % on augmented training data); a second, cosine cycle
    // from those weights adds what a longer first cycle would, and the first 40 epochs are not lost.
    train: [
      ['--arch', 'resnet20', ...CIFAR_TRAIN, '--epochs', '40', '--lr', '0.2', '--schedule', 'onecycle'],
      ['--epochs', '20', '--lr', '0.05', '--schedule', 'cosine', '--warmup', '1', '--seed', '1', '--weights', 'float16'],
    ],
    data: '.cache/datasets/cifar10-jpeg',
    every: 10,
    hp: RESNET_HYPER_PARAMS,
  },
  {
    name: 'imdb-textcnn',
    description: 'IMDB sentiment, a 1-D text CNN over word embeddings (the embedding output is the analog input)',
    model: 'imdb-textcnn.onnx',
    train: [
      [
        '--arch',
        'text-cnn',
        '--data',
        '.cache/datasets/aclImdb',
        '--vocab-size',
        '10000',
        '--epochs',
        '5',
        '--batch',
        '64',
        '--optimizer',
        'adamw',
        '--lr',
        '0.005',
        '--weight-decay',
        '0.01',
        '--seed',
        '0',
        '--weights',
        'float16',
      ],
    ],
    data: '.cache/datasets/aclImdb',
    every: 25,
    hp: VGG_HYPER_PARAMS,
  },
  {
    name: 'speech-commands-cnn',
    description: 'Google Speech Commands v0.02, 12 classes, a 2-D CNN over 98×40 log-mel spectrograms',
    model: 'speech-commands-cnn.onnx',
    train: [
      [
        '--arch',
        'speech-cnn',
        '--data',
        '.cache/datasets/speech-commands-spectrograms',
        '--epochs',
        '12',
        '--batch',
        '128',
        '--lr',
        '0.05',
        '--nesterov',
        '--weight-decay',
        '5e-4',
        '--label-smoothing',
        '0.1',
        '--seed',
        '0',
        '--weights',
        'float16',
      ],
    ],
    data: '.cache/datasets/speech-commands-spectrograms',
    every: 5,
    hp: VGG_HYPER_PARAMS,
  },
];

/** The preset called `name`; `MsatError('EXPERIMENT_PRESET')` listing the presets otherwise. */
export function findPreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) throw new MsatError('EXPERIMENT_PRESET', `no preset "${name}"; presets: ${PRESETS.map((p) => p.name).join(', ')}`);
  return preset;
}

/** The converters every preset compares, in table order, with the preset's MSAT hyper-parameters. */
export function presetConverters(preset: Preset): ConverterSpec[] {
  const neuron = (n: Partial<NeuronConfig>): NeuronConfig => ({ ...DEFAULT_NEURON_CONFIG, hp: preset.hp, ...n });
  return [
    { id: 'const-1', label: 'θ = λ', neuron: neuron({ method: 'const', k: 1 }), confidence: 'off' },
    { id: 'const-0.5', label: 'θ = 0.5·λ', neuron: neuron({ method: 'const', k: 0.5 }), confidence: 'off' },
    { id: 'dtt', label: 'MSAT DTT', neuron: neuron({ method: 'dtt' }), confidence: 'off' },
    { id: 'det', label: 'MSAT DET', neuron: neuron({ method: 'det' }), confidence: 'off' },
    { id: 'msat', label: 'MSAT DTT+DET', neuron: neuron({ method: 'msat' }), confidence: 'off' },
    { id: 'msat-sc', label: 'DTT+DET + SC', neuron: neuron({ method: 'msat' }), confidence: 'measure' },
  ];
}

/**
 * The msat argument lists (`train ...`) that make `model`: the k-th run (from 1) checkpoints into
 * `<checkpoints>/<k>` (`checkpoints` itself for a one-run recipe) and starts from the previous run's checkpoint;
 * the last one writes `model`.
 */
export function trainingRuns(preset: Preset, model: string, checkpoints: string): string[][] {
  const dir = (k: number): string => (preset.train.length === 1 ? checkpoints : join(checkpoints, String(k + 1)));
  return preset.train.map((args, k) => [
    'train',
    ...args,
    ...(k > 0 ? ['--from', dir(k - 1)] : []),
    '--checkpoint-dir',
    dir(k),
    ...(k === preset.train.length - 1 ? ['--out', model] : []),
  ]);
}
