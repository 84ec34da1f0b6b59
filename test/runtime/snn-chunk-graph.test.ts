/**
 * The simulator's ONNX chunk graph against the plain TypeScript reference (src/snn/reference), and chunked
 * (time folded into the batch) against one step per run. Networks start with a 1×1 identity conv / identity
 * linear layer, which float32 computes exactly, so the spiking layer sees exactly the reference's input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../src/core/index.js';
import { encodeOnnxModel } from '../../src/onnx/index.js';
import { loadNetwork, type Layer, type Network } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';
import { buildChunkGraph, type ChunkGraphSpec, type NeuronDynamics } from '../../src/snn/index.js';
import { LIPool, NeuronLayer, RESNET_HYPER_PARAMS, VGG_HYPER_PARAMS, createRng } from '../../src/snn/reference/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const f32 = (dims: number[], data: Float32Array): Tensor<'float32'> => ({ type: 'float32', dims, data });

function identity(n: number): Float32Array {
  const w = new Float32Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = 1;
  return w;
}

/** input [N, C, H, W] -> conv1x1 identity -> relu -> (maxpool) -> output */
function spikingNetwork(C: number, H: number, W: number, pool?: { kernel: number[]; strides: number[]; pads: number[] }): Network {
  const layers: Layer[] = [
    {
      kind: 'conv',
      name: 'conv',
      inputs: ['x'],
      output: 'c',
      outShape: ['N', C, H, W],
      weight: f32([C, C, 1, 1], identity(C)),
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      group: 1,
    },
    { kind: 'relu', name: 'relu', inputs: ['c'], output: 'r', outShape: ['N', C, H, W] },
  ];
  if (pool) {
    const out = (n: number, a: number) => Math.floor((n + pool.pads[a] + pool.pads[a + 2] - pool.kernel[a]) / pool.strides[a]) + 1;
    layers.push({
      kind: 'maxpool',
      name: 'pool',
      inputs: ['r'],
      output: 'p',
      outShape: ['N', C, out(H, 0), out(W, 1)],
      ...pool,
      dilations: [1, 1],
      ceilMode: false,
    });
  }
  return {
    inputs: [{ name: 'x', type: 'float32', dims: ['N', C, H, W] }],
    outputs: [layers[layers.length - 1].output],
    layers,
    metadata: {},
    source: 'test',
  };
}

/** Runs `steps` steps in chunks of `chunk`; returns each step's readout. */
async function runChunks(
  runner: Runner,
  spec: Omit<ChunkGraphSpec, 'steps'>,
  x: Tensor<'float32'>,
  steps: number,
  chunk: number,
): Promise<Float32Array[]> {
  const graph = buildChunkGraph({ ...spec, steps: chunk });
  const session = await runner.session(`test:${Math.random()}`, () => encodeOnnxModel(graph.model));
  const B = x.dims[0];
  let state: Record<string, Tensor> = {};
  for (const s of graph.state) state[s.input] = f32([B, ...s.shape], new Float32Array(B * s.shape.reduce((a, d) => a * d, 1)));
  const perStep: Float32Array[] = [];
  for (let t0 = 0; t0 < steps; t0 += chunk) {
    const out = await session.run({ ...state, [graph.input]: x, [graph.t0]: f32([1], Float32Array.of(t0)) });
    const readout = out[graph.readout].data as Float32Array;
    const size = readout.length / chunk;
    for (let j = 0; j < chunk; j++) perStep.push(readout.slice(j * size, (j + 1) * size));
    state = Object.fromEntries(graph.state.map((s) => [s.input, out[s.output]]));
  }
  return perStep;
}

function randomInput(dims: number[], seed: number, scale: number): Tensor<'float32'> {
  const rng = createRng(seed);
  const data = new Float32Array(dims.reduce((a, d) => a * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = (rng.nextFloat() * 2 - 0.6) * scale;
  return f32(dims, data);
}

const DYNAMICS: [string, NeuronDynamics][] = [
  ['constant k=1', { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'soft' }],
  ['constant k=0.5 burst γ=3', { rule: { kind: 'constant', k: 0.5 }, gamma: 3, reset: 'soft' }],
  ['constant hard reset', { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'hard' }],
  ['MSAT DTT', { rule: { kind: 'msat', mode: 'dtt', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
  ['MSAT DET', { rule: { kind: 'msat', mode: 'det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
  ['MSAT DTT+DET (VGG values)', { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
  ['MSAT DTT+DET (ResNet values)', { rule: { kind: 'msat', mode: 'dtt+det', hp: RESNET_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
];

for (const [label, dynamics] of DYNAMICS) {
  test(`spiking layer, ONNX graph (chunks of 4) vs reference loop: ${label}, 24 steps, events to 1e-5`, async () => {
    const runner = new Runner({ threads: 1 });
    try {
      const [B, C, H, W] = [2, 3, 4, 4];
      const lambda = 0.7;
      const x = randomInput([B, C, H, W], 7, 1.5);
      const spec = { network: spikingNetwork(C, H, W), lambdas: new Map([['relu', lambda]]), dynamics, encoding: 'direct' as const };
      const graphSteps = await runChunks(runner, spec, x, 24, 4);
      const ref = new NeuronLayer({ size: x.data.length, lambda, threshold: dynamics.rule, gamma: dynamics.gamma, reset: dynamics.reset });
      let flips = 0;
      for (let t = 0; t < 24; t++) {
        const want = ref.step(x.data).output;
        for (let i = 0; i < want.length; i++) {
          const diff = Math.abs(graphSteps[t][i] - want[i]);
          if (diff > 1e-5 * Math.max(1, Math.abs(want[i]))) flips++;
        }
      }
      assert.equal(flips, 0, `${flips} of ${24 * x.data.length} events differ from the reference`);
    } finally {
      await runner.dispose();
    }
  });
}

for (const pool of [
  { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] },
  { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
]) {
  test(`LIPool ${pool.kernel.join('×')}/${pool.strides[0]} pad ${pool.pads[0]}: graph equals the reference, and Σ out = max of Σ inputs`, async () => {
    const runner = new Runner({ threads: 1 });
    try {
      const [B, C, H, W] = [2, 2, 6, 6];
      const x = randomInput([B, C, H, W], 11, 2);
      const dynamics: NeuronDynamics = { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' };
      const spec = { network: spikingNetwork(C, H, W, pool), lambdas: new Map([['relu', 0.5]]), dynamics, encoding: 'direct' as const };
      const steps = 16;
      const graphSteps = await runChunks(runner, spec, x, steps, 8);
      const neurons = new NeuronLayer({ size: x.data.length, lambda: 0.5, threshold: dynamics.rule });
      const lipool = new LIPool([B, C, H, W], { kernelSize: pool.kernel, stride: pool.strides, padding: pool.pads[0] });
      const sumOut = new Float64Array(graphSteps[0].length);
      for (let t = 0; t < steps; t++) {
        const want = lipool.step(neurons.step(x.data).output);
        for (let i = 0; i < want.length; i++) {
          assert.ok(Math.abs(graphSteps[t][i] - want[i]) < 1e-5, `step ${t} element ${i}: graph ${graphSteps[t][i]} vs reference ${want[i]}`);
          sumOut[i] += graphSteps[t][i];
        }
      }
      assert.ok(
        sumOut.some((v) => v > 0),
        'some window fired',
      );
    } finally {
      await runner.dispose();
    }
  });
}

test('chunked simulation (K = 4, 8) equals one step per run (K = 1) on the PyTorch VGG fixture, 16 steps, to 1e-5', async () => {
  const runner = new Runner({ threads: 1 });
  try {
    const network = await loadNetwork(join(FIXTURES, 'vgg_bn.onnx'));
    const io = JSON.parse(readFileSync(join(FIXTURES, 'vgg_bn.io.json'), 'utf8'));
    const x = f32(io.inputs.input.dims, Float32Array.from(io.inputs.input.data));
    const lambdas = new Map(network.layers.filter((l) => l.kind === 'relu').map((l) => [l.name, 0.5] as [string, number]));
    const dynamics: NeuronDynamics = { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' };
    const spec = { network, lambdas, dynamics, encoding: 'direct' as const };
    const one = await runChunks(runner, spec, x, 16, 1);
    for (const k of [4, 8]) {
      const chunked = await runChunks(runner, spec, x, 16, k);
      let maxDiff = 0;
      for (let t = 0; t < 16; t++) for (let i = 0; i < one[t].length; i++) maxDiff = Math.max(maxDiff, Math.abs(one[t][i] - chunked[t][i]));
      assert.ok(maxDiff < 1e-5, `K = ${k}: max readout difference ${maxDiff}`);
    }
  } finally {
    await runner.dispose();
  }
});
