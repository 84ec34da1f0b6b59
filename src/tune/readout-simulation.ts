/**
 * The `kl` objective needs the SNN's accumulated readout O(t) of every sample, which `simulate` does not hand
 * out (it only counts correct argmaxes). This is the smallest loop over the simulator's own chunk graphs
 * (`buildChunkGraph`, the same graphs `simulate` runs) that returns, per step, the correct predictions and
 * Σ over samples of KL(softmax(ANN logits) ‖ softmax(O(t)/t)). Direct encoding, no spike confidence.
 * A test checks that its accuracy per step equals `simulate`'s exactly.
 *
 * TODO(lead): once `simulate` can report readouts (e.g. an `onReadout(step, logits)` hook in src/snn), this
 * file can go.
 */
import type { Tensor } from '../core/index.js';
import type { Network } from '../model/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import type { Runner, Session } from '../runtime/index.js';
import { buildChunkGraph, type ChunkGraph, type ChunkStart, type NeuronDynamics } from '../snn/index.js';

/** Per-step sums of one readout simulation. */
export interface ReadoutTallies {
  /** Correct predictions at steps 1..T. */
  readonly correct: number[];
  /** Σ over samples of KL(ANN ‖ SNN) at steps 1..T, in nats. */
  readonly kl: number[];
}

/** What `simulateReadout` needs; `x` holds `labels.length` samples, `annLogits` their ANN outputs. */
export interface ReadoutSimulationSpec {
  readonly network: Network;
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly dynamics: NeuronDynamics;
  readonly steps: number;
  readonly x: Tensor<'float32'>;
  readonly labels: Int32Array;
  readonly annLogits: Float32Array;
  /** Samples per onnxruntime run. Default 16. */
  readonly group?: number;
  /** Steps per chunk. Default 16. */
  readonly chunk?: number;
  readonly runner: Runner;
}

/** Simulates `spec.x` for T steps and tallies accuracy and KL divergence to the ANN at every step. */
export async function simulateReadout(spec: ReadoutSimulationSpec): Promise<ReadoutTallies> {
  const T = spec.steps;
  const B = spec.labels.length;
  const classes = spec.annLogits.length / B;
  const perSample = spec.x.data.length / B;
  const group = spec.group ?? 16;
  const chunk = spec.chunk ?? 16;
  const correct = new Array<number>(T).fill(0);
  const kl = new Array<number>(T).fill(0);
  const graphs = new Map<string, Promise<{ graph: ChunkGraph; session: Session }>>();
  const id = spec.runner.keyOf(spec.lambdas, 'tune-readout');
  const get = (steps: number, start: ChunkStart) => {
    const key = `${id}:${steps}:${start}`;
    let entry = graphs.get(key);
    if (!entry) {
      const graph = buildChunkGraph({ network: spec.network, lambdas: spec.lambdas, dynamics: spec.dynamics, steps, encoding: 'direct', start, timeFolding: 'none' });
      entry = spec.runner.session(key, () => encodeOnnxModel(graph.model)).then((session) => ({ graph, session }));
      graphs.set(key, entry);
    }
    return entry;
  };
  const adaptive = spec.dynamics.rule.kind !== 'constant';
  try {
    for (let g0 = 0; g0 < B; g0 += group) {
      const g = Math.min(group, B - g0);
      const x: Tensor<'float32'> = { type: 'float32', dims: [g, ...spec.x.dims.slice(1)], data: spec.x.data.subarray(g0 * perSample, (g0 + g) * perSample) };
      const sums = new Float64Array(g * classes);
      const pAnn = Array.from({ length: g }, (_, i) => logSoftmax(spec.annLogits.subarray((g0 + i) * classes, (g0 + i + 1) * classes)));
      let state: Record<string, Tensor> | undefined;
      for (let t0 = 0; t0 < T; ) {
        const k = Math.min(chunk, T - t0);
        const { graph, session } = await get(k, adaptive ? (t0 === 0 ? 'zero' : 'positive') : 'any');
        const feeds: Record<string, Tensor> = { [graph.input]: x, [graph.t0]: { type: 'float32', dims: [1], data: Float32Array.of(t0) } };
        for (const slot of graph.state) {
          feeds[slot.input] = state?.[slot.input] ?? { type: 'float32', dims: [g, ...slot.shape], data: new Float32Array(g * slot.shape.reduce((a, d) => a * d, 1)) };
        }
        const out = await session.run(feeds, [graph.readout, ...graph.state.map((s) => s.output)]);
        state = Object.fromEntries(graph.state.map((s) => [s.input, out[s.output]]));
        const readout = out[graph.readout].data as Float32Array;
        for (let j = 0; j < k; j++) {
          const t = t0 + j;
          for (let i = 0; i < g; i++) {
            const row = (j * g + i) * classes;
            let best = 0;
            for (let c = 0; c < classes; c++) {
              sums[i * classes + c] += readout[row + c];
              if (sums[i * classes + c] > sums[i * classes + best]) best = c;
            }
            if (best === spec.labels[g0 + i]) correct[t]++;
            kl[t] += klDivergence(pAnn[i], sums.subarray(i * classes, (i + 1) * classes), 1 / (t + 1));
          }
        }
        t0 += k;
      }
    }
  } finally {
    await Promise.allSettled([...graphs.keys()].map((k) => spec.runner.release(k)));
  }
  return { correct, kl };
}

/** log softmax of `z` (float64). */
function logSoftmax(z: ArrayLike<number>, scale = 1): Float64Array {
  let m = -Infinity;
  for (let c = 0; c < z.length; c++) m = Math.max(m, z[c] * scale);
  let s = 0;
  for (let c = 0; c < z.length; c++) s += Math.exp(z[c] * scale - m);
  const lse = m + Math.log(s);
  return Float64Array.from({ length: z.length }, (_, c) => z[c] * scale - lse);
}

/** KL(p ‖ softmax(scale·z)) with `logP` = log p. */
function klDivergence(logP: Float64Array, z: Float64Array, scale: number): number {
  const logQ = logSoftmax(z, scale);
  let d = 0;
  for (let c = 0; c < logP.length; c++) d += Math.exp(logP[c]) * (logP[c] - logQ[c]);
  return Math.max(0, d);
}
