/**
 * The architectures `msat train --arch` builds, as `Network` IRs with untrained weights (see `init.ts`):
 *
 * - `mnist-cnn`: conv3×3(32)+ReLU, max-pool 2, conv3×3(64)+ReLU, max-pool 2, linear(128)+ReLU, linear(classes).
 * - `vgg16`: the CIFAR VGG-16 of the paper: 13 conv3×3 + BN + ReLU in five stages (64, 128, 256, 512, 512
 *   channels × `width`), a 2×2 max-pool after each stage, then one linear layer on the flattened features.
 * - `resnet20`: He et al.'s CIFAR ResNet-20: conv3×3(16)+BN+ReLU, three stages of three basic blocks
 *   (16, 32, 64 channels × `width`; strides 1, 2, 2), global average pool, linear. Where a block changes shape
 *   its shortcut is a 1×1 conv + BN (option B): the paper's option A (zero-padded identity) needs a strided
 *   slice and a channel pad, which msat's IR does not have.
 * - `resnet18`: the CIFAR ResNet-18 (kuangliu's layout): conv3×3(64)+BN+ReLU without the ImageNet max-pool,
 *   four stages of two basic blocks (64, 128, 256, 512 × `width`; strides 1, 2, 2, 2), 1×1 conv + BN
 *   shortcuts, global average pool, linear.
 * - `text-cnn`: Kim's CNN for sentences: int64 token ids [N, T] -> embedding -> conv1d with kernels 3, 4, 5
 *   (100 × `width` channels each) + ReLU -> max over time -> concat -> dropout 0.5 -> linear.
 * - `speech-cnn`: for [N, 1, 98, 40] log-mel spectrograms: four conv3×3 + BN + ReLU blocks (32, 64, 128, 128
 *   × `width`) with a 2×2 max-pool after the first three, global average pool, dropout 0.2, linear.
 *
 * Conv layers followed by batch norm have no bias (the norm's β takes its place, as in the reference models).
 */
import { MsatError } from '../core/index.js';
import type { Network } from '../model/index.js';
import { NetworkBuilder } from './network-builder.js';

export const ARCHITECTURES = ['mnist-cnn', 'vgg16', 'resnet20', 'resnet18', 'text-cnn', 'speech-cnn'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

export interface ArchitectureOptions {
  /** Shape of one sample: `[C, H, W]` for images, `[T]` (token count) for `text-cnn`. */
  readonly sampleShape: readonly number[];
  readonly classes: number;
  /** Channel multiplier (VGG, ResNets, text and speech CNNs). Default 1. */
  readonly width?: number;
  /** `text-cnn`: vocabulary size. Default 20000. */
  readonly vocab?: number;
  /** `text-cnn`: embedding size. Default 128. */
  readonly embeddingDim?: number;
}

/** A network to train and the dropout it trains with (probability by layer output). */
export interface Architecture {
  readonly name: ArchitectureName;
  readonly network: Network;
  readonly dropout: Readonly<Record<string, number>>;
}

/** Whether `name` is one of `ARCHITECTURES`. */
export function isArchitectureName(name: string): name is ArchitectureName {
  return (ARCHITECTURES as readonly string[]).includes(name);
}

function imageInput(name: ArchitectureName, o: ArchitectureOptions): NetworkBuilder {
  if (o.sampleShape.length !== 3) {
    throw new MsatError('TRAIN_OPTIONS', `architecture ${name} takes images [C, H, W]; the data has samples shaped [${o.sampleShape.join(', ')}]`);
  }
  return new NetworkBuilder(name, { name: 'input', type: 'float32', dims: ['N', ...o.sampleShape] });
}

const scaled = (channels: number, width: number): number => Math.max(1, Math.round(channels * width));

function convBnRelu(b: NetworkBuilder, x: string, channels: number, prefix: string, stride = 1): string {
  return b.relu(
    b.batchNorm(b.conv(x, channels, { kernel: 3, pad: 1, stride, bias: false, name: `${prefix}.conv` }), `${prefix}.bn`),
    `${prefix}.relu`,
  );
}

function basicBlock(b: NetworkBuilder, x: string, channels: number, stride: number, prefix: string): string {
  const h = convBnRelu(b, x, channels, `${prefix}.1`, stride);
  const y = b.batchNorm(b.conv(h, channels, { kernel: 3, pad: 1, bias: false, name: `${prefix}.2.conv` }), `${prefix}.2.bn`);
  let shortcut = x;
  if (stride !== 1 || b.shape(x)[1] !== channels) {
    shortcut = b.batchNorm(b.conv(x, channels, { kernel: 1, stride, bias: false, name: `${prefix}.shortcut.conv` }), `${prefix}.shortcut.bn`);
  }
  return b.relu(b.add(y, shortcut, `${prefix}.add`), `${prefix}.relu`);
}

function resnet(name: ArchitectureName, o: ArchitectureOptions, stem: number, stages: readonly number[], blocks: number): Network {
  const w = o.width ?? 1;
  const b = imageInput(name, o);
  let x = convBnRelu(b, 'input', scaled(stem, w), 'stem');
  stages.forEach((channels, s) => {
    for (let k = 0; k < blocks; k++) x = basicBlock(b, x, scaled(channels, w), k === 0 && s > 0 ? 2 : 1, `layer${s + 1}.${k}`);
  });
  b.linear(b.flatten(b.globalAvgPool(x, 'pool'), 'flatten'), o.classes, { name: 'fc' });
  return b.build();
}

/** The architecture `name` for data shaped `options.sampleShape` with `options.classes` classes. */
export function buildArchitecture(name: ArchitectureName, options: ArchitectureOptions): Architecture {
  const w = options.width ?? 1;
  if (!(w > 0)) throw new MsatError('TRAIN_OPTIONS', `width multiplier must be > 0, got ${w}`);
  if (!Number.isInteger(options.classes) || options.classes < 2)
    throw new MsatError('TRAIN_OPTIONS', `need at least 2 classes, got ${options.classes}`);
  switch (name) {
    case 'mnist-cnn': {
      const b = imageInput(name, options);
      let x = b.maxPool(b.relu(b.conv('input', scaled(32, w), { kernel: 3, pad: 1, name: 'conv1' }), 'relu1'), { kernel: 2, name: 'pool1' });
      x = b.maxPool(b.relu(b.conv(x, scaled(64, w), { kernel: 3, pad: 1, name: 'conv2' }), 'relu2'), { kernel: 2, name: 'pool2' });
      x = b.relu(b.linear(b.flatten(x, 'flatten'), scaled(128, w), { name: 'fc1' }), 'relu3');
      b.linear(x, options.classes, { name: 'fc2' });
      return { name, network: b.build(), dropout: {} };
    }
    case 'vgg16': {
      const b = imageInput(name, options);
      const stages = [
        [64, 64],
        [128, 128],
        [256, 256, 256],
        [512, 512, 512],
        [512, 512, 512],
      ];
      let x = 'input';
      stages.forEach((convs, s) => {
        convs.forEach((c, k) => (x = convBnRelu(b, x, scaled(c, w), `features.${s + 1}.${k + 1}`)));
        x = b.maxPool(x, { kernel: 2, name: `features.${s + 1}.pool` });
      });
      b.linear(b.flatten(x, 'flatten'), options.classes, { name: 'classifier' });
      return { name, network: b.build(), dropout: {} };
    }
    case 'resnet20':
      return { name, network: resnet(name, options, 16, [16, 32, 64], 3), dropout: {} };
    case 'resnet18':
      return { name, network: resnet(name, options, 64, [64, 128, 256, 512], 2), dropout: {} };
    case 'text-cnn': {
      if (options.sampleShape.length !== 1) {
        throw new MsatError(
          'TRAIN_OPTIONS',
          `architecture text-cnn takes token sequences [T]; the data has samples shaped [${options.sampleShape.join(', ')}]`,
        );
      }
      const seq = options.sampleShape[0];
      const b = new NetworkBuilder(name, { name: 'input', type: 'int64', dims: ['N', seq] });
      const e = b.transpose(b.embedding('input', options.vocab ?? 20000, options.embeddingDim ?? 128, 'embed'), [0, 2, 1], 'embed.t');
      const branches = [3, 4, 5].map((k) => {
        const c = b.relu(b.conv(e, scaled(100, w), { kernel: k, name: `conv${k}` }), `relu${k}`);
        return b.maxPool(c, { kernel: seq - k + 1, name: `pool${k}` });
      });
      const features = b.flatten(b.concat(branches, 1, 'concat'), 'flatten');
      b.linear(features, options.classes, { name: 'fc' });
      return { name, network: b.build(), dropout: { flatten: 0.5 } };
    }
    case 'speech-cnn': {
      const b = imageInput(name, options);
      let x = 'input';
      [32, 64, 128, 128].forEach((c, k) => {
        x = convBnRelu(b, x, scaled(c, w), `block${k + 1}`);
        if (k < 3) x = b.maxPool(x, { kernel: 2, name: `block${k + 1}.pool` });
      });
      const features = b.flatten(b.globalAvgPool(x, 'pool'), 'flatten');
      b.linear(features, options.classes, { name: 'fc' });
      return { name, network: b.build(), dropout: { flatten: 0.2 } };
    }
    default:
      throw new MsatError('TRAIN_OPTIONS', `unknown architecture ${JSON.stringify(name)}; must be one of ${ARCHITECTURES.join(', ')}`);
  }
}
