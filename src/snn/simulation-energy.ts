/**
 * Synaptic operations and energy of a simulation (docs/method.md §7): which spiking layer feeds each conv/linear
 * layer of a network, and the SOP of every step from a `SimulationResult`'s measured spike rates. The
 * per-layer energy formulas that need no network or simulation are `metrics/energy.ts`.
 */
import type { Layer, Network } from '../model/index.js';
import { layerMacs, layerRole } from '../model/index.js';
import { DEFAULT_ENERGY_OPTIONS } from './metrics/index.js';
import type { SimulationResult } from './simulation-options.js';

/** Where the input of a synaptic layer comes from. */
export interface SynapticFeed {
  readonly layer: string;
  readonly macs: number;
  /** True when the layer sees the analog network input (the first layer under direct encoding). */
  readonly analog: boolean;
  /** Spiking layers whose events reach this layer through pooling and glue (empty when analog). */
  readonly sources: readonly string[];
}

/**
 * For every conv/linear layer, the spiking (relu) layers that feed it, found by walking its inputs upstream
 * through pooling, glue and residual adds. A layer that reaches the network input is analog.
 */
export function synapticFeeds(network: Network): SynapticFeed[] {
  const producer = new Map<string, Layer>(network.layers.map((l) => [l.output, l]));
  const feeds: SynapticFeed[] = [];
  for (const layer of network.layers) {
    if (layerRole(layer) !== 'synaptic') continue;
    const sources = new Set<string>();
    let analog = false;
    const stack = [...layer.inputs];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const p = producer.get(name);
      const role = p && layerRole(p);
      if (!p || role === 'input') analog = true;
      else if (role === 'spiking') sources.add(p.name);
      else stack.push(...p.inputs);
    }
    feeds.push({ layer: layer.name, macs: layerMacs(layer), analog, sources: analog ? [] : [...sources] });
  }
  return feeds;
}

/** Operation counts and energy per sample. */
export interface EnergyReport {
  /** SOP of each step (length T): Σ MAC_l × rate of the layers feeding l; analog-input layers excluded. */
  readonly sopPerStep: Float64Array;
  /** MACs per step of the layers with analog input (computed at every step under direct encoding). */
  readonly analogMacsPerStep: number;
  /** The ANN's MACs for one forward pass. */
  readonly annMacs: number;
  /** Σ_t (analog MACs · 4.6 pJ + SOP(t) · 0.9 pJ), in joules: every spike charged as one accumulate (with an exit rule, t runs to each sample's exit). */
  readonly energyPerSampleJ: number;
  /**
   * Σ_t (analog MACs + SOP(t)) · 4.6 pJ, in joules. MSAT's events carry a real value s·θ(t) that the
   * receiving synapse must multiply by its weight, so each event honestly costs a MAC, not an accumulate.
   */
  readonly multiplyPerEventEnergyPerSampleJ: number;
  /** The ANN: annMacs · 4.6 pJ, in joules. */
  readonly annEnergyPerSampleJ: number;
}

/** SOP per step and energy per sample of `result`, a simulation of `network`. */
export function energyReport(network: Network, result: SimulationResult): EnergyReport {
  return energyOfFeeds(synapticFeeds(network), result);
}

/** `energyReport` from the network's `synapticFeeds` (all it needs of the network: a merge of shards keeps them). */
export function energyOfFeeds(feeds: readonly SynapticFeed[], result: SimulationResult): EnergyReport {
  const rates = new Map(result.layers.map((l) => [l.layer, l.ratePerStep]));
  const T = result.steps;
  const sopPerStep = new Float64Array(T);
  let analogMacsPerStep = 0;
  let annMacs = 0;
  for (const feed of feeds) {
    annMacs += feed.macs;
    if (feed.analog) {
      analogMacsPerStep += feed.macs;
      continue;
    }
    // Several sources (a residual add, a concat): their mean rate.
    for (let t = 0; t < T; t++) {
      let rate = 0;
      for (const s of feed.sources) rate += rates.get(s)?.[t] ?? 0;
      sopPerStep[t] += feed.macs * (feed.sources.length > 0 ? rate / feed.sources.length : 0);
    }
  }
  const { acPj, macPj } = DEFAULT_ENERGY_OPTIONS;
  const sopTotal = sopPerStep.reduce((a, b) => a + b, 0);
  // with early exit, the analog layers run only for the steps each sample ran (its spikes count only up to then)
  const steps = result.exit?.meanSteps ?? T;
  return {
    sopPerStep,
    analogMacsPerStep,
    annMacs,
    energyPerSampleJ: (steps * analogMacsPerStep * macPj + sopTotal * acPj) * 1e-12,
    multiplyPerEventEnergyPerSampleJ: (steps * analogMacsPerStep + sopTotal) * macPj * 1e-12,
    annEnergyPerSampleJ: annMacs * macPj * 1e-12,
  };
}
