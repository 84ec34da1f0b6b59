/**
 * Neuron traces (`SimulationOptions.traceNeurons`, docs/method.md §7): which neurons of a spiking layer to trace,
 * and how a chunk's traced outputs are appended to the traces of the run's first sample.
 */
import type { Tensor } from '../core/index.js';
import type { ChunkGraph } from './graph/build-chunk-graph.js';
import type { NeuronTrace } from './simulation-options.js';

/**
 * Which neurons of a layer to trace, given the first sample's ANN outputs: the most active one, then neurons
 * at evenly spaced ranks among the active ones (so the traces show fast, medium and slow firers), then, if
 * too few are active, silent ones (whose threshold still moves under MSAT). Distinct, ascending by rank.
 */
export function pickTracedNeurons(annOut: ArrayLike<number>, count: number): number[] {
  const order = Array.from({ length: annOut.length }, (_, i) => i).sort((a, b) => annOut[b] - annOut[a] || a - b);
  const active = order.filter((i) => annOut[i] > 0);
  const picked = new Set<number>();
  const want = Math.min(count, annOut.length);
  for (let r = 0; r < want && r < active.length; r++) picked.add(active[Math.floor((r * active.length) / Math.min(want, active.length))]);
  for (const i of order) {
    if (picked.size >= want) break;
    picked.add(i);
  }
  return [...picked];
}

/** Neurons per sample of spiking layer `layer` of `graph`, as [C, H, W] (or its 1-D/2-D analogue). */
export function neuronShape(graph: ChunkGraph, layer: string): readonly number[] {
  return graph.state.find((s) => s.layer === layer && s.role === 'v')!.shape;
}

/**
 * Appends steps [t0, t0 + k) of the first sample's traced neurons of a group of B samples to `traces`; at
 * t0 = 0 it first picks `count` neurons per layer from `pre(layer)`, the group's pre-activations of that layer.
 */
export function recordTraces(
  traces: NeuronTrace[],
  graph: ChunkGraph,
  outputs: Record<string, Tensor>,
  pre: (layer: string) => Float32Array,
  count: number,
  k: number,
  B: number,
  t0: number,
): void {
  for (const tr of graph.traces) {
    const per = neuronShape(graph, tr.layer).reduce((a, d) => a * d, 1);
    if (t0 === 0) {
      const annOut = pre(tr.layer)
        .subarray(0, per)
        .map((v) => Math.max(v, 0));
      for (const neuron of pickTracedNeurons(annOut, count)) {
        traces.push({ layer: tr.layer, neuron, annActivation: annOut[neuron], membrane: [], threshold: [], spikes: [] });
      }
    }
    const [v, theta, s] = [tr.membrane, tr.theta, tr.spikes].map((n) => outputs[n].data as Float32Array);
    for (const trace of traces.filter((t) => t.layer === tr.layer)) {
      for (let j = 0; j < k; j++) {
        const i = j * B * per + trace.neuron;
        trace.membrane.push(v[i]);
        trace.threshold.push(theta[i]);
        trace.spikes.push(s[i]);
      }
    }
  }
}
