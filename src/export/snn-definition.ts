/** What every export format takes: a converted SNN as the simulator runs it. */
import type { Network } from '../model/index.js';
import type { NeuronDynamics } from '../snn/index.js';

/** The batch-norm folded network, λ per relu layer, and the neuron dynamics of its spiking layers. */
export interface SnnDefinition {
  readonly network: Network;
  /** λ per relu layer name: one number (layer-wise) or one per channel. */
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly dynamics: NeuronDynamics;
}
