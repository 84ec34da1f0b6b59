// The architectures' IRs: trainable parameter counts equal those of the same PyTorch modules (counted with
// sum(p.numel() for p in model.parameters()) in PyTorch 1.13), output shapes, and the width multiplier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArchitecture, parameterSpecs } from '../../src/train/index.js';

const trainable = (name: Parameters<typeof buildArchitecture>[0], sampleShape: number[], width = 1, classes = 10): number =>
  parameterSpecs(buildArchitecture(name, { sampleShape, classes, width }).network)
    .filter((p) => p.trainable)
    .reduce((n, p) => n + p.dims.reduce((a, b) => a * b, 1), 0);

test('parameter counts match PyTorch: mnist-cnn 421,642; vgg16 14,724,042; resnet20 272,474; resnet18 11,173,962', () => {
  assert.equal(trainable('mnist-cnn', [1, 28, 28]), 421_642);
  assert.equal(trainable('vgg16', [3, 32, 32]), 14_724_042);
  assert.equal(trainable('resnet20', [3, 32, 32]), 272_474);
  assert.equal(trainable('resnet18', [3, 32, 32]), 11_173_962);
});

test('output shapes, width multiplier, text and speech CNNs', () => {
  const vgg = buildArchitecture('vgg16', { sampleShape: [3, 32, 32], classes: 100, width: 0.5 }).network;
  assert.deepEqual(vgg.layers.at(-1)!.outShape, ['N', 100]);
  assert.equal(vgg.layers.filter((l) => l.kind === 'conv').length, 13);
  assert.equal(vgg.layers.filter((l) => l.kind === 'maxpool').length, 5);
  assert.equal(vgg.layers.filter((l) => l.kind === 'linear').length, 1);
  const first = vgg.layers.find((l) => l.kind === 'conv');
  assert.deepEqual(first?.kind === 'conv' ? first.weight.dims : undefined, [32, 3, 3, 3]);
  const res = buildArchitecture('resnet20', { sampleShape: [3, 32, 32], classes: 10 }).network;
  assert.equal(res.layers.filter((l) => l.kind === 'conv').length, 19 + 2);
  assert.equal(res.layers.filter((l) => l.kind === 'add').length, 9);
  const text = buildArchitecture('text-cnn', { sampleShape: [50], classes: 2, vocab: 1000, embeddingDim: 16 });
  assert.equal(text.network.inputs[0].type, 'int64');
  assert.deepEqual(text.network.layers.at(-1)!.outShape, ['N', 2]);
  assert.deepEqual(text.dropout, { flatten: 0.5 });
  const speech = buildArchitecture('speech-cnn', { sampleShape: [1, 98, 40], classes: 12 });
  assert.deepEqual(speech.network.layers.at(-1)!.outShape, ['N', 12]);
  assert.throws(() => buildArchitecture('vgg16', { sampleShape: [50], classes: 2 }), /takes images \[C, H, W\]/);
});
