/**
 * The chunked ONNX path of one spiking layer against the multi-step reference `simulateNeuronLayer`
 * (src/snn/reference/simulate-layer.ts): a 1×1 identity conv (exact in float32) and a relu, so the spiking
 * layer sees exactly the reference's input at every step; 20 steps in chunks of 6 (the last one shorter),
 * with traces on. Spikes and the final spike counts must be equal; events s·θ and thresholds θ(t) agree to a
 * relative 1e-5 (float32 graph against the float64 reference).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/core/index.js';
import type { Layer, Network } from '../../src/model/index.js';
import { encodeOnnxModel } from '../../src/onnx/index.js';
import { Runner } from '../../src/runtime/index.js';
import { buildChunkGraph, type NeuronDynamics } from '../../src/snn/index.js';
import { VGG_HYPER_PARAMS, createRng, simulateNeuronLayer } from '../../src/snn/reference/index.js';

const [B, C, H, W] = [2, 3, 4, 4];
const STEPS = 20;
const CHUNK = 6;
const f32 = (dims: number[], data: Float32Array): Tensor<'float32'> => ({ type: 'float32', dims, data });

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
      weight: f32([C, C, 1, 1], w),
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      group: 1,
    },
    { kind: 'relu', name: 'relu', inputs: ['c'], output: 'r', outShape: ['N', C, H, W] },
  ];
  return { inputs: [{ name: 'x', type: 'float32', dims: ['N', C, H, W] }], outputs: ['r'], layers, metadata: {}, source: 'test' };
}

/** Each step's events, spikes and thresholds ([T, N] step-major, N = B·C·H·W) and the final spike counts. */
async function runGraph(runner: Runner, dynamics: NeuronDynamics, lambda: number, x: Tensor<'float32'>) {
  const N = x.data.length;
  const [events, spikes, thetas] = [new Float64Array(STEPS * N), new Float64Array(STEPS * N), new Float64Array(STEPS * N)];
  const graphs = new Map<number, ReturnType<typeof buildChunkGraph>>();
  let state: Record<string, Tensor> | undefined;
  let n: Float32Array | undefined;
  for (let t0 = 0; t0 < STEPS;) {
    const k = Math.min(CHUNK, STEPS - t0);
    if (!graphs.has(k))
      graphs.set(
        k,
        buildChunkGraph({ network: network(), lambdas: new Map([['relu', lambda]]), dynamics, steps: k, encoding: 'direct', traces: true }),
      );
    const graph = graphs.get(k)!;
    const session = await runner.session(`reference-layer:${dynamics.rule.kind}:${k}`, () => encodeOnnxModel(graph.model));
    state ??= Object.fromEntries(graph.state.map((s) => [s.input, f32([B, ...s.shape], new Float32Array(B * s.shape.reduce((a, d) => a * d, 1)))]));
    const out = await session.run({ ...state, [graph.input]: x, [graph.t0]: f32([1], Float32Array.of(t0)) });
    const [trace] = graph.traces;
    events.set(out[graph.readout].data as Float32Array, t0 * N);
    spikes.set(out[trace.spikes].data as Float32Array, t0 * N);
    thetas.set(out[trace.theta].data as Float32Array, t0 * N);
    state = Object.fromEntries(graph.state.map((s) => [s.input, out[s.output]]));
    n = state['n:relu'].data as Float32Array;
    t0 += k;
  }
  return { events, spikes, thetas, n: n! };
}

for (const [label, dynamics] of [
  ['constant θ = λ, burst γ = 2', { rule: { kind: 'constant', k: 1 }, gamma: 2, reset: 'soft' }],
  ['MSAT DTT+DET', { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
] as [string, NeuronDynamics][]) {
  test(`one spiking layer: chunk graph (chunks of ${CHUNK}) equals simulateNeuronLayer, ${label}, ${STEPS} steps`, async () => {
    const rng = createRng(7);
    const x = f32(
      [B, C, H, W],
      Float32Array.from({ length: B * C * H * W }, () => (rng.nextFloat() * 2 - 0.6) * 1.5),
    );
    const lambda = 0.7;
    const runner = new Runner({ threads: 1 });
    let graph: Awaited<ReturnType<typeof runGraph>>;
    try {
      graph = await runGraph(runner, dynamics, lambda, x);
    } finally {
      await runner.dispose();
    }
    const N = x.data.length;
    const xSeq = new Float64Array(STEPS * N);
    for (let t = 0; t < STEPS; t++) xSeq.set(x.data, t * N);
    const ref = simulateNeuronLayer({ size: N, lambda, threshold: dynamics.rule, gamma: dynamics.gamma, reset: dynamics.reset }, xSeq);
    assert.equal(ref.steps, STEPS);
    assert.ok(
      ref.spikeSeq.some((s) => s > 0),
      'the layer fires',
    );
    assert.deepEqual(Array.from(graph.spikes), Array.from(ref.spikeSeq), 'spikes at every step');
    assert.deepEqual(Array.from(graph.n), Array.from(ref.finalState.n), 'spike counts after the last step');
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
    for (let i = 0; i < STEPS * N; i++) {
      assert.ok(
        close(graph.events[i], ref.outputSeq[i]),
        `event of neuron ${i % N} at step ${Math.floor(i / N) + 1}: ${graph.events[i]} vs ${ref.outputSeq[i]}`,
      );
      assert.ok(
        close(graph.thetas[i], ref.thetaSeq[i]),
        `threshold of neuron ${i % N} at step ${Math.floor(i / N) + 1}: ${graph.thetas[i]} vs ${ref.thetaSeq[i]}`,
      );
    }
  });
}
