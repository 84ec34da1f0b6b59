import { MsatError } from '../../core/index.js';

/** Energy of one 32-bit float accumulate (the usual 45 nm figure, docs/method.md §7). */
export const ENERGY_PER_AC_PJ = 0.9;
/** Energy of one 32-bit float multiply-accumulate (the usual 45 nm figure, docs/method.md §7). */
export const ENERGY_PER_MAC_PJ = 4.6;

/**
 * One synaptic layer (conv or linear) of the network, in order from input to output.
 *
 * Rates are per element of the tensor that feeds the layer, per time step, averaged over the same steps
 * and samples the estimate is for.
 */
export interface SynapticLayer {
  readonly name: string;
  /** MACs of one ANN forward pass of this layer for one sample (see `convMacs`, `linearMacs`). */
  readonly macs: number;
  /**
   * Spikes per input element per step (Σ s / (elements · T)); burst spikes count s each. `null` when the
   * layer's input is analog (the first layer under direct encoding): it then costs its full MACs every step.
   */
  readonly inputSpikeRate: number | null;
  /**
   * Events per input element per step: the fraction of (element, step) pairs with s > 0, whatever s is.
   * Default: `inputSpikeRate` (equal when γ = 1).
   */
  readonly inputEventRate?: number;
}

/** Options of `estimateEnergy`. */
export interface EnergyOptions {
  /** Number of time steps T the rates were measured over and the estimate is for. */
  readonly steps: number;
  /** pJ per accumulate; default `ENERGY_PER_AC_PJ`. */
  readonly acPj?: number;
  /** pJ per multiply-accumulate; default `ENERGY_PER_MAC_PJ`. */
  readonly macPj?: number;
}

/** Defaults of the optional `EnergyOptions` fields. */
export const DEFAULT_ENERGY_OPTIONS = Object.freeze({ acPj: ENERGY_PER_AC_PJ, macPj: ENERGY_PER_MAC_PJ });

/** Per-layer operation counts, per step. */
export interface LayerOperations {
  readonly name: string;
  /** MACs per step: the layer's full MACs when its input is analog, else 0. */
  readonly analogMacsPerStep: number;
  /** Synaptic operations per step: MACs · inputSpikeRate (0 for an analog-input layer). */
  readonly sopPerStep: number;
  /** Events per step reaching the layer's synapses: MACs · inputEventRate (0 for an analog-input layer). */
  readonly eventOpsPerStep: number;
}

/**
 * Operation counts and energy of the SNN (over T steps) and of the ANN (one forward pass), for one sample.
 *
 * - `sopPerStep`: the authors' SOP, Σ_l MAC_l · (rate of the layer feeding l) over spike-fed layers; the
 *   analog-input first layer is excluded (docs/method.md §7).
 * - `energyPj`: T · (analog MACs · macPj + SOP · acPj). Every spike is charged as one accumulate, which is
 *   right for binary spikes of a constant threshold (θ = k·λ folds into the next layer's weights, and a burst
 *   of s spikes is s accumulates).
 * - `honestEnergyPj`: T · (analog MACs + event ops) · macPj. MSAT events carry a real value s·θ(t) with θ
 *   varying per neuron and step, so the receiving synapse must multiply weight × value: one MAC per event
 *   (per event, not per spike, since s·θ is a single value). Use it for MSAT unless the threshold is folded.
 * - `annEnergyPj`: Σ_l MAC_l · macPj.
 *
 * The analog first layer is counted every step because direct encoding feeds the input at every step; a
 * cached first-layer output would cost its MACs once.
 */
export interface EnergyEstimate {
  readonly steps: number;
  readonly layers: readonly LayerOperations[];
  readonly analogMacsPerStep: number;
  readonly sopPerStep: number;
  readonly eventOpsPerStep: number;
  readonly annMacs: number;
  readonly energyPj: number;
  readonly honestEnergyPj: number;
  readonly annEnergyPj: number;
}

function invalid(message: string): MsatError {
  return new MsatError('CONVERT_INVALID_ENERGY_INPUT', message);
}

/** SOP, MAC counts and energy for `layers` (input to output) over `options.steps` steps. See `EnergyEstimate`. */
export function estimateEnergy(layers: readonly SynapticLayer[], options: EnergyOptions): EnergyEstimate {
  const { steps } = options;
  const acPj = options.acPj ?? DEFAULT_ENERGY_OPTIONS.acPj;
  const macPj = options.macPj ?? DEFAULT_ENERGY_OPTIONS.macPj;
  if (!Number.isInteger(steps) || steps < 1) throw invalid(`energy: steps must be an integer >= 1, got ${steps}.`);
  if (!(acPj >= 0) || !(macPj >= 0)) throw invalid(`energy: acPj and macPj must be >= 0, got ${acPj}, ${macPj}.`);
  const ops: LayerOperations[] = [];
  let analog = 0;
  let sop = 0;
  let events = 0;
  let annMacs = 0;
  for (const layer of layers) {
    if (!(layer.macs >= 0) || !Number.isFinite(layer.macs))
      throw invalid(`energy: layer ${layer.name} has macs ${layer.macs}; expected a finite number >= 0.`);
    annMacs += layer.macs;
    if (layer.inputSpikeRate === null) {
      ops.push({ name: layer.name, analogMacsPerStep: layer.macs, sopPerStep: 0, eventOpsPerStep: 0 });
      analog += layer.macs;
      continue;
    }
    const spikeRate = layer.inputSpikeRate;
    const eventRate = layer.inputEventRate ?? spikeRate;
    if (!(spikeRate >= 0) || !(eventRate >= 0)) {
      throw invalid(`energy: layer ${layer.name} has input rates ${spikeRate} (spikes) / ${eventRate} (events); expected numbers >= 0.`);
    }
    const layerSop = layer.macs * spikeRate;
    const layerEvents = layer.macs * eventRate;
    ops.push({ name: layer.name, analogMacsPerStep: 0, sopPerStep: layerSop, eventOpsPerStep: layerEvents });
    sop += layerSop;
    events += layerEvents;
  }
  return {
    steps,
    layers: ops,
    analogMacsPerStep: analog,
    sopPerStep: sop,
    eventOpsPerStep: events,
    annMacs,
    energyPj: steps * (analog * macPj + sop * acPj),
    honestEnergyPj: steps * (analog + events) * macPj,
    annEnergyPj: annMacs * macPj,
  };
}

/** Mean spikes per element per step: Σ s / (elements · steps). */
export function firingRate(totalSpikes: number, elements: number, steps: number): number {
  if (!(elements > 0) || !(steps > 0)) throw invalid(`firingRate: elements and steps must be > 0, got ${elements}, ${steps}.`);
  return totalSpikes / (elements * steps);
}

/** MACs of a Linear / Gemm layer for one sample: inFeatures · outFeatures. */
export function linearMacs(inFeatures: number, outFeatures: number): number {
  return inFeatures * outFeatures;
}

/**
 * MACs of a convolution for one sample: (output elements) · (inChannels / groups) · Π kernel.
 * @param outputDims `[C_out, …spatial]` of one sample (no batch axis).
 */
export function convMacs(outputDims: readonly number[], inChannels: number, kernel: readonly number[], groups = 1): number {
  if (inChannels % groups !== 0) throw invalid(`convMacs: inChannels ${inChannels} is not divisible by groups ${groups}.`);
  let out = 1;
  for (const d of outputDims) out *= d;
  let k = 1;
  for (const d of kernel) k *= d;
  return out * (inChannels / groups) * k;
}
