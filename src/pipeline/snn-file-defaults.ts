/**
 * The neuron configuration and normalisation an SNN file records (`msat convert`, `msat tune`), as defaults
 * for simulating it: a tuned file brings its hyper-parameters with it, and explicit options override them.
 */
import { readSnnFile } from '../convert/index.js';
import { METHODS, type NeuronConfig } from '../snn/index.js';

export interface SnnFileDefaults {
  readonly neuron: Partial<NeuronConfig>;
  readonly normalization: { readonly mean?: number[]; readonly std?: number[] };
}

/** Reads `path` and returns the valid neuron fields and normalisation of its options (others are ignored). */
export async function snnFileDefaults(path: string): Promise<SnnFileDefaults> {
  const options = (await readSnnFile(path)).options as { neuron?: Record<string, unknown>; normalization?: Record<string, unknown> };
  const n = options.neuron ?? {};
  const numbers = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined);
  const neuron: Partial<NeuronConfig> = {
    ...(typeof n.method === 'string' && (METHODS as readonly string[]).includes(n.method) ? { method: n.method as NeuronConfig['method'] } : {}),
    ...(typeof n.k === 'number' ? { k: n.k } : {}),
    ...(n.hp && typeof n.hp === 'object' ? { hp: n.hp as NeuronConfig['hp'] } : {}),
    ...(typeof n.gamma === 'number' ? { gamma: n.gamma } : {}),
    ...(n.reset === 'soft' || n.reset === 'hard' ? { reset: n.reset } : {}),
  };
  return { neuron, normalization: { mean: numbers(options.normalization?.mean), std: numbers(options.normalization?.std) } };
}
