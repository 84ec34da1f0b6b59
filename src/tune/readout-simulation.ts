/**
 * The `kl` objective needs the SNN's accumulated readout O(t) of every sample, which `simulate`'s result does
 * not hold (it only counts correct argmaxes). `simulateReadout` runs the simulator itself (`BatchSimulator`,
 * the same chunk graphs and loop as `simulate`) without its ANN pass (the caller has the ANN's logits), and
 * reads every step's readout through its `onReadout` hook: per step, the correct predictions and Σ over
 * samples of KL(softmax(ANN logits) ‖ softmax(O(t)/t)). Direct encoding, no spike confidence. A test checks
 * that its accuracy per step equals `simulate`'s exactly.
 */
import type { Tensor } from '../core/index.js';
import type { Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';
import { BatchSimulator, type NeuronDynamics } from '../snn/index.js';

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
  /** Samples per onnxruntime run (`SimulationOptions.microBatch`). Default 16. */
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
  const kl = new Array<number>(T).fill(0);
  const logPAnn = Array.from({ length: B }, (_, i) => logSoftmax(spec.annLogits.subarray(i * classes, (i + 1) * classes)));
  const sim = new BatchSimulator(spec.network, spec.lambdas, spec.runner, {
    steps: T,
    dynamics: spec.dynamics,
    encoding: 'direct',
    chunk: spec.chunk,
    batchSize: Math.max(1, B),
    microBatch: spec.group ?? 16,
    compareWithAnn: false,
    // `first` is the group's position in this one batch, which starts at 0
    onReadout: (step, logits, labels, first) => {
      for (let i = 0; i < labels.length; i++)
        kl[step] += klDivergence(logPAnn[first + i], logits.subarray(i * classes, (i + 1) * classes), 1 / (step + 1));
    },
  });
  try {
    await sim.run(spec.x, spec.labels, 0);
  } finally {
    await sim.dispose();
  }
  return { correct: Array.from(sim.tallies().correct), kl };
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
