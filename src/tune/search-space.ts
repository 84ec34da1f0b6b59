/**
 * The search space of `msat tune`: what a candidate is (neuron config, calibration percentile, per-layer
 * threshold scales) and the coordinates it is searched in.
 *
 * Every candidate is a point u of the unit cube [0, 1)^d; `decodeCandidate` maps it to a `TunedConfig`.
 * The coordinates are chosen so that the same u means roughly the same behaviour on models whose λ differ:
 *
 * - MSAT thresholds are θ = λ·σ(DTT + DET) with V_T = −λ, ΔV, x and C in raw activation units (docs/method.md §2).
 *   At rest (ΔV = 0, x = 0) the ratio θ/λ is σ(ρ) with ρ = τ_mp·(k_a·ln 2 − λ) + τ_rd, so a fixed k_a gives
 *   layers with a large λ a tiny threshold (the issue-6 failure of the authors' values). The first searched
 *   quantity is therefore the resting ratio r = σ(ρ) at λ_ref, the geometric mean of the candidate's λ over
 *   its spiking layers; k_a is derived from it: k_a = ((ρ − τ_rd)/τ_mp + λ_ref)/ln 2 (it may come out
 *   negative: then a rising membrane lowers the threshold, which is legal and sometimes good).
 * - τ_mp enters as κ = τ_mp·λ_ref, the logit difference between layers per relative difference of λ (ρ_l =
 *   ρ − κ·(λ_l/λ_ref − 1)): κ → 0 gives every layer the same ratio, κ ≈ λ_ref is the authors' setting.
 * - Raw-unit scales are searched relative to λ_ref: C/λ_ref, k_i/λ_ref, and α as the logit change per λ_ref
 *   of ΔV, a = α·τ_mp·λ_ref.
 * - Scales spanning decades (κ, C, k_i, a, k, layer scales) are searched in log space; r in logit space.
 * - The percentile is an index into `PERCENTILE_GRID`: all of them are calibrated in one pass.
 * - A per-layer scale s_l multiplies λ_l everywhere (base threshold, V_T, θ = λ at t = 0), so it is folded into
 *   the λ the SNN file records and the simulator needs no new option.
 */
import { MsatError } from '../core/index.js';
import { DEFAULT_NEURON_CONFIG, type Method, type NeuronConfig } from '../snn/index.js';
import { VGG_HYPER_PARAMS, type MsatHyperParams } from '../snn/index.js';

/** Candidate percentiles, most conservative first (1 = max, the authors' choice). */
export const PERCENTILE_GRID: readonly number[] = Object.freeze([1, 0.99999, 0.9999, 0.9995, 0.999, 0.995, 0.99]);

/** What a candidate sets: the neuron config, the calibration percentile and optional per-layer λ scales. */
export interface TunedConfig {
  readonly neuron: NeuronConfig;
  /** Calibration percentile p (one of `PERCENTILE_GRID`). */
  readonly percentile: number;
  /** Factor on λ per spiking layer (network order), or null for none. */
  readonly layerScales: readonly number[] | null;
}

/** How one unit coordinate maps to a value. */
export type DimensionScale = 'linear' | 'log' | 'logit' | 'index';

/** One searched coordinate: u in [0, 1) maps to [lo, hi] (or to an index of `count` values). */
export interface Dimension {
  readonly name: string;
  readonly scale: DimensionScale;
  readonly lo: number;
  readonly hi: number;
}

const LN2 = Math.log(2);
const logit = (r: number) => Math.log(r / (1 - r));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The searched quantities per method, before the percentile and layer scales (ranges documented above). */
const METHOD_DIMENSIONS: Readonly<Record<Method, readonly Dimension[]>> = {
  msat: [
    { name: 'restRatio', scale: 'logit', lo: 0.15, hi: 0.95 },
    { name: 'spread', scale: 'log', lo: 0.03, hi: 5 },
    { name: 'taurd', scale: 'linear', lo: 0, hi: 3 },
    { name: 'cRel', scale: 'log', lo: 0.1, hi: 10 },
    { name: 'dvGain', scale: 'log', lo: 1e-3, hi: 3 },
    { name: 'kiRel', scale: 'log', lo: 0.1, hi: 10 },
  ],
  dtt: [
    { name: 'restRatio', scale: 'logit', lo: 0.15, hi: 0.95 },
    { name: 'spread', scale: 'log', lo: 0.03, hi: 5 },
    { name: 'dvGain', scale: 'log', lo: 1e-3, hi: 3 },
    { name: 'kiRel', scale: 'log', lo: 0.1, hi: 10 },
  ],
  // DET alone: θ/λ = σ(τ_rd·exp(−x/C)), so the resting ratio is σ(τ_rd) and needs no λ_ref.
  det: [
    { name: 'restRatio', scale: 'logit', lo: 0.15, hi: 0.95 },
    { name: 'cRel', scale: 'log', lo: 0.1, hi: 10 },
  ],
  const: [{ name: 'k', scale: 'log', lo: 0.25, hi: 1.25 }],
};

/** Range of each per-layer scale s_l (log space). */
export const LAYER_SCALE_RANGE = Object.freeze({ lo: 2 ** -0.75, hi: 2 ** 0.75 });

/** What a search space is built from. */
export interface SearchSpaceSpec {
  readonly method: Method;
  /** Spiking layer names in network order (per-layer scales follow it). */
  readonly layers: readonly string[];
  /** λ per spiking layer for each entry of `percentiles` (same order as `layers`; channel-wise λ as arrays). */
  readonly lambdas: readonly (readonly (number | Float32Array)[])[];
  /** Default `PERCENTILE_GRID`. */
  readonly percentiles?: readonly number[];
  /** Search one λ scale per spiking layer. Default false. */
  readonly layerScales?: boolean;
  /** Max spikes per neuron per step γ of every candidate (burst when > 1; not searched). Default 1. */
  readonly gamma?: number;
}

/** A search space: its dimensions and the maps between unit points and configs. */
export interface SearchSpace {
  readonly method: Method;
  readonly dimensions: readonly Dimension[];
  readonly percentiles: readonly number[];
  readonly layers: readonly string[];
  readonly layerScales: boolean;
  /** γ of every candidate (the anchors keep their own). */
  readonly gamma: number;
  /** λ per spiking layer for each percentile (as in the spec). */
  readonly lambdas: readonly (readonly (number | Float32Array)[])[];
}

/** Builds the space of `spec` (validates that every percentile has λ for every layer). */
export function createSearchSpace(spec: SearchSpaceSpec): SearchSpace {
  const percentiles = spec.percentiles ?? PERCENTILE_GRID;
  if (spec.lambdas.length !== percentiles.length || spec.lambdas.some((l) => l.length !== spec.layers.length)) {
    throw new MsatError(
      'TUNE_OPTIONS',
      `the search space needs λ of all ${spec.layers.length} spiking layers for each of the ${percentiles.length} percentiles`,
    );
  }
  if (!percentiles.includes(1))
    throw new MsatError(
      'TUNE_OPTIONS',
      `the percentile grid must contain 1 (the max, where the default candidate lives), got ${percentiles.join(', ')}`,
    );
  if (!METHOD_DIMENSIONS[spec.method]) throw new MsatError('TUNE_OPTIONS', `unknown method "${spec.method}"; must be one of const, dtt, det, msat`);
  const dimensions: Dimension[] = [...METHOD_DIMENSIONS[spec.method]];
  if (percentiles.length > 1) dimensions.push({ name: 'percentile', scale: 'index', lo: 0, hi: percentiles.length - 1 });
  if (spec.layerScales) {
    for (const layer of spec.layers) dimensions.push({ name: `scale:${layer}`, scale: 'log', ...LAYER_SCALE_RANGE });
  }
  const gamma = spec.gamma ?? 1;
  if (!(Number.isInteger(gamma) && gamma >= 1))
    throw new MsatError('TUNE_OPTIONS', `gamma (max spikes per step) must be an integer ≥ 1, got ${gamma}`);
  return { method: spec.method, dimensions, percentiles, layers: spec.layers, layerScales: spec.layerScales ?? false, gamma, lambdas: spec.lambdas };
}

/** u in [0, 1] → the dimension's value (an index for `index` dimensions). */
export function fromUnit(d: Dimension, u: number): number {
  const v = Math.min(Math.max(u, 0), 1);
  switch (d.scale) {
    case 'linear':
      return d.lo + v * (d.hi - d.lo);
    case 'log':
      return Math.exp(Math.log(d.lo) + v * (Math.log(d.hi) - Math.log(d.lo)));
    case 'logit':
      return sigmoid(logit(d.lo) + v * (logit(d.hi) - logit(d.lo)));
    case 'index':
      return Math.min(d.hi, Math.floor(v * (d.hi + 1)));
  }
}

/** The dimension's value → u, clamped into [0, 1] (an index maps to its bin's centre). */
export function toUnit(d: Dimension, value: number): number {
  let u: number;
  switch (d.scale) {
    case 'linear':
      u = (value - d.lo) / (d.hi - d.lo);
      break;
    case 'log':
      u = value > 0 ? (Math.log(value) - Math.log(d.lo)) / (Math.log(d.hi) - Math.log(d.lo)) : 0;
      break;
    case 'logit': {
      const r = Math.min(Math.max(value, 1e-9), 1 - 1e-9);
      u = (logit(r) - logit(d.lo)) / (logit(d.hi) - logit(d.lo));
      break;
    }
    case 'index':
      u = (value + 0.5) / (d.hi + 1);
      break;
  }
  return Math.min(Math.max(u, 0), 1);
}

/** Geometric mean of every λ value (channel values included) of the layers, each layer weighted once. */
export function lambdaReference(lambdas: readonly (number | Float32Array)[]): number {
  let sum = 0;
  for (const l of lambdas) {
    if (typeof l === 'number') sum += Math.log(l);
    else {
      let s = 0;
      for (const v of l) s += Math.log(v);
      sum += s / l.length;
    }
  }
  return Math.exp(sum / lambdas.length);
}

/** λ of every spiking layer scaled by `scales` (float32-rounded, as the simulator and the SNN file hold them). */
export function scaleLambdas(lambdas: readonly (number | Float32Array)[], scales: readonly number[] | null): (number | Float32Array)[] {
  if (!scales) return [...lambdas];
  return lambdas.map((l, i) => (typeof l === 'number' ? Math.fround(l * scales[i]) : Float32Array.from(l, (v) => v * scales[i])));
}

/** The searched quantities of a point, by dimension name (for reports). */
export function namedCoordinates(space: SearchSpace, unit: readonly number[]): Record<string, number> {
  return Object.fromEntries(
    space.dimensions.map((d, i) => [d.name, d.scale === 'index' ? space.percentiles[fromUnit(d, unit[i])] : fromUnit(d, unit[i])]),
  );
}

/** The config of unit point `unit` (length = `space.dimensions.length`). */
export function decodeCandidate(space: SearchSpace, unit: readonly number[]): TunedConfig {
  if (unit.length !== space.dimensions.length) {
    throw new MsatError('TUNE_OPTIONS', `a candidate of this search space has ${space.dimensions.length} coordinates, got ${unit.length}`);
  }
  const v = new Map(space.dimensions.map((d, i) => [d.name, fromUnit(d, unit[i])]));
  const pIndex = v.get('percentile') ?? 0;
  const layerScales = space.layerScales ? space.layers.map((l) => v.get(`scale:${l}`)!) : null;
  const lambdas = scaleLambdas(space.lambdas[pIndex], layerScales);
  const lambdaRef = lambdaReference(lambdas);
  const base = { ...DEFAULT_NEURON_CONFIG, method: space.method, gamma: space.gamma };
  let neuron: NeuronConfig;
  switch (space.method) {
    case 'const':
      neuron = { ...base, k: v.get('k')! };
      break;
    case 'det':
      neuron = { ...base, hp: { ...VGG_HYPER_PARAMS, taurd: logit(v.get('restRatio')!), C: v.get('cRel')! * lambdaRef } };
      break;
    case 'dtt':
    case 'msat': {
      const rho = logit(v.get('restRatio')!);
      const taump = v.get('spread')! / lambdaRef;
      const taurd = space.method === 'msat' ? v.get('taurd')! : VGG_HYPER_PARAMS.taurd;
      const detPart = space.method === 'msat' ? taurd : 0;
      const hp: MsatHyperParams = {
        alpha: v.get('dvGain')! / v.get('spread')!,
        ka: ((rho - detPart) / taump + lambdaRef) / LN2,
        ki: v.get('kiRel')! * lambdaRef,
        C: space.method === 'msat' ? v.get('cRel')! * lambdaRef : VGG_HYPER_PARAMS.C,
        taump,
        taurd,
      };
      neuron = { ...base, hp };
      break;
    }
  }
  return { neuron, percentile: space.percentiles[pIndex], layerScales };
}

/**
 * The unit point nearest to `config` (clamped into the box): where local refinement starts when the best
 * candidate is an anchor such as the authors' values, which may lie outside the searched ranges.
 */
export function encodeCandidate(space: SearchSpace, config: TunedConfig): number[] {
  const pIndex = Math.max(0, space.percentiles.indexOf(config.percentile));
  const lambdas = scaleLambdas(space.lambdas[pIndex], config.layerScales);
  const lambdaRef = lambdaReference(lambdas);
  const { k, hp } = config.neuron;
  const spread = hp.taump * lambdaRef;
  const value = (name: string): number => {
    if (name === 'percentile') return pIndex;
    if (name.startsWith('scale:')) return config.layerScales ? config.layerScales[space.layers.indexOf(name.slice(6))] : 1;
    switch (name) {
      case 'k':
        return k;
      case 'restRatio':
        if (space.method === 'det') return sigmoid(hp.taurd);
        return sigmoid(hp.taump * (hp.ka * LN2 - lambdaRef) + (space.method === 'msat' ? hp.taurd : 0));
      case 'spread':
        return spread;
      case 'taurd':
        return hp.taurd;
      case 'cRel':
        return hp.C / lambdaRef;
      case 'dvGain':
        return hp.alpha * spread;
      case 'kiRel':
        return hp.ki / lambdaRef;
      default:
        throw new MsatError('TUNE_OPTIONS', `unknown search dimension "${name}"`);
    }
  };
  return space.dimensions.map((d) => toUnit(d, value(d.name)));
}

/** The λ per spiking layer that `config` runs with (percentile picked, layer scales applied). */
export function lambdasOfConfig(space: SearchSpace, config: TunedConfig): (number | Float32Array)[] {
  const pIndex = space.percentiles.indexOf(config.percentile);
  if (pIndex < 0)
    throw new MsatError('TUNE_OPTIONS', `percentile ${config.percentile} is not among the calibrated ones (${space.percentiles.join(', ')})`);
  return scaleLambdas(space.lambdas[pIndex], config.layerScales);
}

/** The authors' values (docs/method.md §5, VGG) with p = 1 and no scales, or θ = λ for `const`: the anchor every search evaluates. */
export function defaultConfig(method: Method): TunedConfig {
  return { neuron: { ...DEFAULT_NEURON_CONFIG, method, k: 1, hp: VGG_HYPER_PARAMS }, percentile: 1, layerScales: null };
}

/** θ = λ (constant, k = 1, p = 1): the classic converter every report compares against. */
export function thetaLambdaConfig(): TunedConfig {
  return { neuron: { ...DEFAULT_NEURON_CONFIG, method: 'const', k: 1 }, percentile: 1, layerScales: null };
}
