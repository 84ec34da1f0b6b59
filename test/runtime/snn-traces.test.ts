/**
 * Neuron traces (`traceNeurons`): the membrane, threshold and spikes the simulator records for the first
 * sample equal the TypeScript reference neuron fed the same input. The network is a 1×1 identity conv and a
 * spiking layer, so the spiking layer's input is exactly the sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/core/index.js';
import type { Layer, Network } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';
import { BatchSimulator, pickTracedNeurons, type NeuronDynamics } from '../../src/snn/index.js';
import { NeuronLayer, VGG_HYPER_PARAMS, createRng } from '../../src/snn/reference/index.js';

const [C, H, W] = [3, 4, 4];

function network(): Network {
  const w = new Float32Array(C * C);
  for (let i = 0; i < C; i++) w[i * C + i] = 1;
  const layers: Layer[] = [
    {
      kind: 'conv',
      name: 'conv',
      inputs: ['x'],
      output: 'c',
      outShape: ['N', C, H, W],
      weight: { type: 'float32', dims: [C, C, 1, 1], data: w },
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      group: 1,
    },
    { kind: 'relu', name: 'relu', inputs: ['c'], output: 'r', outShape: ['N', C, H, W] },
  ];
  return { inputs: [{ name: 'x', type: 'float32', dims: ['N', C, H, W] }], outputs: ['r'], layers, metadata: {}, source: 'test' };
}

for (const [label, dynamics] of [
  ['constant θ = λ', { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'soft' }],
  ['MSAT DTT+DET', { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
] as [string, NeuronDynamics][]) {
  test(`traces of the first sample equal the reference neuron: ${label}, 24 steps in chunks of 5`, async () => {
    const runner = new Runner({ threads: 1 });
    const B = 4;
    const rng = createRng(3);
    const x: Tensor<'float32'> = {
      type: 'float32',
      dims: [B, C, H, W],
      data: new Float32Array(B * C * H * W).map(() => (rng.nextFloat() * 2 - 0.5) * 1.5),
    };
    const lambda = 0.8;
    const sim = new BatchSimulator(network(), new Map([['relu', lambda]]), runner, { steps: 24, chunk: 5, dynamics, microBatch: 2, traceNeurons: 4 });
    try {
      await sim.run(x, new Int32Array(B));
      await sim.run(x, new Int32Array(B)); // a second batch adds no traces
    } finally {
      await sim.dispose();
      await runner.dispose();
    }
    const { traces } = sim.result(0);
    const per = C * H * W;
    const first = x.data.subarray(0, per);
    assert.deepEqual(
      traces.map((t) => t.neuron),
      pickTracedNeurons(
        first.map((v) => Math.max(v, 0)),
        4,
      ),
    );
    const ref = new NeuronLayer({ size: per, lambda, threshold: dynamics.rule, gamma: dynamics.gamma, reset: dynamics.reset });
    for (let t = 0; t < 24; t++) {
      const before = Float64Array.from(ref.state.v);
      const out = ref.step(first);
      for (const trace of traces) {
        const i = trace.neuron;
        assert.ok(Math.abs(trace.membrane[t] - (before[i] + first[i])) < 1e-5, `membrane of ${i} at step ${t + 1}`);
        assert.ok(Math.abs(trace.threshold[t] - out.theta[i]) < 1e-5, `threshold of ${i} at step ${t + 1}`);
        assert.equal(trace.spikes[t], out.spikes[i], `spikes of ${i} at step ${t + 1}`);
      }
    }
    assert.ok(traces.every((t) => t.membrane.length === 24));
  });
}

test('pickTracedNeurons: the most active first, spread over the active ones, silent ones only when needed', () => {
  assert.deepEqual(pickTracedNeurons([0, 5, 1, 3, 0, 2], 3), [1, 3, 5]);
  assert.deepEqual(pickTracedNeurons([0, 0, 4, 0], 3), [2, 0, 1]);
  assert.deepEqual(pickTracedNeurons([1, 2], 5), [1, 0]);
});
