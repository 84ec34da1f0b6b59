/**
 * The neuron vocabulary, in one place: the converter a user picks (`NeuronConfig`: method, k, hp, γ, reset; the
 * CLI's `--method`, `--k`, `--hp`, `--gamma`, `--reset`) and the dynamics it means to the graphs and the
 * simulator (`NeuronDynamics`: the threshold rule, γ and the reset), docs/method.md §2.
 */
import { MsatError } from '../core/index.js';
import { VGG_HYPER_PARAMS, type MsatHyperParams, type ResetMode, type ThresholdRule } from './reference/index.js';

/** `const`: θ = k·λ; `dtt` / `det` / `msat` (= DTT+DET): the adaptive thresholds. */
export type Method = 'const' | 'dtt' | 'det' | 'msat';
export const METHODS: readonly Method[] = ['const', 'dtt', 'det', 'msat'];

/** Everything that defines the spiking nodes of a conversion. */
export interface NeuronConfig {
  readonly method: Method;
  /** Threshold scale of `const`. Default 1. */
  readonly k: number;
  /** MSAT hyper-parameters. Default: the authors' VGG values. */
  readonly hp: MsatHyperParams;
  /** Max spikes per step. Default 1. */
  readonly gamma: number;
  readonly reset: ResetMode;
}

/** What the graphs and the simulator run: the threshold rule, γ and the reset, shared by every spiking layer. */
export interface NeuronDynamics {
  readonly rule: ThresholdRule;
  /** Max spikes per step γ (1 = IF; Infinity allowed). */
  readonly gamma: number;
  readonly reset: ResetMode;
}

export const DEFAULT_NEURON_CONFIG: NeuronConfig = Object.freeze({ method: 'msat', k: 1, hp: VGG_HYPER_PARAMS, gamma: 1, reset: 'soft' });

/** The simulator's dynamics for `config`. */
export function neuronDynamics(config: NeuronConfig): NeuronDynamics {
  const { method, k, hp, gamma, reset } = config;
  if (!METHODS.includes(method)) throw new MsatError('SNN_OPTIONS', `unknown method "${method}"; must be one of ${METHODS.join(', ')}`);
  if (!(k > 0)) throw new MsatError('SNN_OPTIONS', `k must be > 0, got ${k}`);
  if (!(gamma >= 1)) throw new MsatError('SNN_OPTIONS', `gamma must be >= 1, got ${gamma}`);
  const rule =
    method === 'const' ? ({ kind: 'constant', k } as const) : ({ kind: 'msat', mode: method === 'msat' ? 'dtt+det' : method, hp } as const);
  return { rule, gamma, reset };
}

/** `alpha,ka,ki,C,taump,taurd` -> hyper-parameters. */
export function parseHyperParams(text: string): MsatHyperParams {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 6 || v.some((x) => !Number.isFinite(x))) {
    throw new MsatError('SNN_OPTIONS', `MSAT hyper-parameters are six numbers alpha,ka,ki,C,taump,taurd, got "${text}"`);
  }
  const [alpha, ka, ki, C, taump, taurd] = v;
  if (!(ki > 0) || !(C > 0)) throw new MsatError('SNN_OPTIONS', `MSAT hyper-parameters: ki and C divide, so they must be > 0, got "${text}"`);
  return { alpha, ka, ki, C, taump, taurd };
}

/** A short label such as `msat (DTT+DET)` or `const k=0.5`. */
export function describeMethod(config: NeuronConfig): string {
  return config.gamma === 1 ? describeRule(config) : `${describeRule(config)}, burst γ = ${config.gamma}`;
}

function describeRule(config: NeuronConfig): string {
  switch (config.method) {
    case 'const':
      return `const θ = ${config.k === 1 ? '' : `${config.k}·`}λ`;
    case 'dtt':
      return 'MSAT DTT';
    case 'det':
      return 'MSAT DET';
    case 'msat':
      return 'MSAT DTT+DET';
  }
}
