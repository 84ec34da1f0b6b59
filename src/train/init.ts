/**
 * Seeded weight initialisation of a `Network`, reproducible from one integer.
 *
 * Two schemes:
 * - `kaiming-normal` (He et al. 2015), what torchvision's ResNets and VGGs do: conv weights ~ N(0, 2 / fan)
 *   with fan = fan_out (their choice, the default here) or fan_in, conv biases 0; linear layers keep PyTorch's
 *   default below (a fan_out rule on a 3136 -> 128 layer would blow the logits up). It keeps ReLU activations
 *   at a constant scale through deep conv stacks, which is why msat's architectures default to it.
 * - `pytorch-default`: what `nn.Conv*` / `nn.Linear` do on construction, `kaiming_uniform_(a = √5)`, i.e.
 *   weights ~ U(−1/√fan_in, 1/√fan_in), and biases ~ U(−1/√fan_in, 1/√fan_in).
 * Both: embeddings ~ N(0, 1) (PyTorch's default), batch norm γ = 1, β = 0, running mean 0, variance 1.
 *
 * Every tensor draws from its own stream `deriveRng(seed, 'init', <parameter name>)`, so changing one layer
 * does not change the others' initial values. (The values cannot equal PyTorch's for the same seed: PyTorch's
 * generator is a different algorithm.)
 */
import { MsatError } from '../core/index.js';
import { layerKindSpec, layerTensors, type InitRule, type Network } from '../model/index.js';
import { parameterSpecs, withParameters, type ParameterSpec } from './parameters.js';
import { deriveRng, type TrainRng } from './rng.js';

export type InitScheme = { readonly kind: 'kaiming-normal'; readonly mode?: 'fan_in' | 'fan_out' } | { readonly kind: 'pytorch-default' };

export const DEFAULT_INIT_SCHEME: InitScheme = { kind: 'kaiming-normal', mode: 'fan_out' };

/** PyTorch's `_calculate_fan_in_and_fan_out` for a weight `[out, in/group, ...kernel]` or `[out, in]`. */
export function fans(dims: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = dims.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: dims[1] * receptive, fanOut: dims[0] * receptive };
}

function fill(n: number, rng: TrainRng, draw: (rng: TrainRng) => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw(rng);
  return out;
}

function initValues(spec: ParameterSpec, rule: InitRule, weightDims: readonly number[] | undefined, scheme: InitScheme, seed: number): Float32Array {
  const n = spec.dims.reduce((a, b) => a * b, 1);
  const rng = deriveRng(seed, 'init', spec.name);
  if (rule === 'unit-normal') return fill(n, rng, (r) => r.nextNormal());
  const { fanIn, fanOut } = fans(weightDims!);
  if (scheme.kind === 'pytorch-default' || rule === 'fan-in-uniform') {
    const bound = 1 / Math.sqrt(fanIn);
    return fill(n, rng, (r) => (2 * r.nextFloat() - 1) * bound);
  }
  if (spec.role === 'bias') return new Float32Array(n);
  const std = Math.sqrt(2 / ((scheme.mode ?? 'fan_in') === 'fan_out' ? fanOut : fanIn));
  return fill(n, rng, (r) => r.nextNormal() * std);
}

/** A copy of `network` with freshly initialised tensors of every kind with an init rule (see the file comment). */
export function initializeNetwork(network: Network, scheme: InitScheme, seed: number): Network {
  if (scheme.kind !== 'kaiming-normal' && scheme.kind !== 'pytorch-default') {
    throw new MsatError(
      'TRAIN_OPTIONS',
      `unknown init scheme ${JSON.stringify((scheme as { kind: string }).kind)}; must be kaiming-normal or pytorch-default`,
    );
  }
  const layers = new Map(network.layers.map((l) => [l.name, l]));
  const values = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(network)) {
    const layer = layers.get(spec.layer)!;
    // Kinds without an init rule (batch norm) keep the values they were built with.
    const rule = layerKindSpec(layer.kind).init;
    if (!rule) continue;
    const weightDims = layerTensors(layer).find((t) => t.role === 'weight')?.tensor.dims;
    values.set(spec.name, initValues(spec, rule, weightDims, scheme, seed));
  }
  return withParameters(network, values);
}
