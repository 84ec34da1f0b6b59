/**
 * `SimulationOptions.onReadout` and `compareWithAnn: false`: the hook sees every step of every group in order,
 * with the group's accumulated readout, whose argmax counts are the simulator's own accuracy per step; and
 * skipping the ANN pass leaves the SNN's accuracy and spike rates as they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError, type Tensor } from '../../src/core/index.js';
import type { Layer, Network } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';
import { BatchSimulator, ParallelSimulator, VGG_HYPER_PARAMS, createRng, type NeuronDynamics } from '../../src/snn/index.js';

const [C, H, W] = [3, 4, 4];
const CLASSES = 5;

/** 1×1 conv, spiking layer, linear readout of CLASSES classes. */
function network(): Network {
  const rng = createRng(5);
  const conv = Float32Array.from({ length: C * C }, () => rng.nextFloat() - 0.3);
  const fc = Float32Array.from({ length: CLASSES * C * H * W }, () => rng.nextFloat() - 0.5);
  const layers: Layer[] = [
    {
      kind: 'conv',
      name: 'conv',
      inputs: ['x'],
      output: 'c',
      outShape: ['N', C, H, W],
      weight: { type: 'float32', dims: [C, C, 1, 1], data: conv },
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      group: 1,
    },
    { kind: 'relu', name: 'relu', inputs: ['c'], output: 'r', outShape: ['N', C, H, W] },
    { kind: 'flatten', name: 'flat', inputs: ['r'], output: 'f', outShape: ['N', C * H * W], axis: 1 },
    {
      kind: 'linear',
      name: 'fc',
      inputs: ['f'],
      output: 'y',
      outShape: ['N', CLASSES],
      weight: { type: 'float32', dims: [CLASSES, C * H * W], data: fc },
    },
  ];
  return { inputs: [{ name: 'x', type: 'float32', dims: ['N', C, H, W] }], outputs: ['y'], layers, metadata: {}, source: 'test' };
}

test('onReadout: every step of every group in order, its argmaxes are the accuracy per step; compareWithAnn: false measures the same SNN', async () => {
  const runner = new Runner({ threads: 1 });
  const B = 6;
  const T = 20;
  const rng = createRng(9);
  const x: Tensor<'float32'> = {
    type: 'float32',
    dims: [B, C, H, W],
    data: Float32Array.from({ length: B * C * H * W }, () => rng.nextFloat() * 2 - 0.5),
  };
  const labels = Int32Array.from({ length: B }, (_, i) => i % CLASSES);
  const dynamics: NeuronDynamics = { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' };
  const net = network();
  const lambdas = new Map([['relu', 0.6]]);
  const calls: [number, number, number][] = [];
  const correct = new Float64Array(T);
  const options = { steps: T, dynamics, chunk: 8, microBatch: 4 };
  const hooked = new BatchSimulator(net, lambdas, runner, {
    ...options,
    compareWithAnn: false,
    onReadout: (step, logits, groupLabels, first) => {
      calls.push([first, step, groupLabels.length]);
      assert.equal(logits.length, groupLabels.length * CLASSES);
      for (let i = 0; i < groupLabels.length; i++) {
        const row = Array.from(logits.subarray(i * CLASSES, (i + 1) * CLASSES));
        if (row.indexOf(Math.max(...row)) === groupLabels[i]) correct[step]++;
      }
    },
  });
  const plain = new BatchSimulator(net, lambdas, runner, options);
  try {
    await hooked.run(x, labels, 10);
    await plain.run(x, labels, 10);
  } finally {
    await hooked.dispose();
    await plain.dispose();
    await runner.dispose();
  }
  const steps = Array.from({ length: T }, (_, t) => t);
  assert.deepEqual(calls, [...steps.map((t) => [10, t, 4]), ...steps.map((t) => [14, t, 2])]);
  const [a, b] = [hooked.result(0), plain.result(0)];
  assert.deepEqual(
    Array.from(correct),
    Array.from(a.accuracyPerStep, (p) => Math.round(p * B)),
  );
  assert.deepEqual(a.accuracyPerStep, b.accuracyPerStep);
  assert.deepEqual(a.layers[0].ratePerStep, b.layers[0].ratePerStep);
  assert.equal(a.annAccuracy, 0);
  assert.ok(Number.isNaN(a.layers[0].rateCorrelation));
  assert.ok(b.layers[0].rateCorrelation > 0);
});

test('onReadout is refused with workers; traces need the ANN run', () => {
  const runner = new Runner({ threads: 1 });
  const net = network();
  const lambdas = new Map([['relu', 0.6]]);
  const refused = (e: unknown) => isMsatError(e) && e.code === 'SNN_OPTIONS';
  assert.throws(() => new BatchSimulator(net, lambdas, runner, { steps: 4, workers: 2, onReadout: () => {} }), refused);
  assert.throws(() => new ParallelSimulator(net, lambdas, runner, { steps: 4, onReadout: () => {} }), refused);
  assert.throws(() => new BatchSimulator(net, lambdas, runner, { steps: 4, compareWithAnn: false, traceNeurons: 2 }), refused);
});
