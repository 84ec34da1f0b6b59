import { MsatError } from '../../core/index.js';
import { NeuronLayer, type NeuronState, cloneNeuronState } from './neuron.js';
import type { NeuronLayerOptions } from './neuron-options.js';

/** Everything a single-layer run produced; `[T, N]` arrays are step-major. */
export interface LayerSimulation {
  readonly steps: number;
  readonly size: number;
  /** s·θ per step and neuron, `[T, N]`. */
  readonly outputSeq: Float64Array;
  /** s per step and neuron, `[T, N]`. */
  readonly spikeSeq: Float64Array;
  /** θ per step and neuron, `[T, N]`. */
  readonly thetaSeq: Float64Array;
  /** State after the last step (a copy; `finalState.n` is the spike count per neuron). */
  readonly finalState: NeuronState;
}

/**
 * Runs one freshly reset neuron layer over `xSeq` (`[T, N]`, step-major, N = `options.size`) by looping the
 * single step, which makes it the multi-step reference that fused or chunked paths are tested against
 * (test/runtime/snn-reference-layer.test.ts: the chunk graph of one spiking layer).
 */
export function simulateNeuronLayer(options: NeuronLayerOptions, xSeq: ArrayLike<number>): LayerSimulation {
  const layer = new NeuronLayer(options);
  const size = layer.size;
  if (xSeq.length % size !== 0) {
    throw new MsatError(
      'SNN_SHAPE_MISMATCH',
      `simulateNeuronLayer: xSeq has ${xSeq.length} elements, not a multiple of the layer size ${size}; lay it out as [T, N].`,
    );
  }
  const steps = xSeq.length / size;
  const outputSeq = new Float64Array(steps * size);
  const spikeSeq = new Float64Array(steps * size);
  const thetaSeq = new Float64Array(steps * size);
  const x = new Float64Array(size);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < size; i++) x[i] = xSeq[t * size + i];
    const out = layer.step(x);
    outputSeq.set(out.output, t * size);
    spikeSeq.set(out.spikes, t * size);
    thetaSeq.set(out.theta, t * size);
  }
  return { steps, size, outputSeq, spikeSeq, thetaSeq, finalState: cloneNeuronState(layer.state) };
}
