/**
 * What both simulator benchmarks start from: the model (batch-norm folded), a random batch of 64, the ANN's
 * session on `threads` threads with a timer, λ = 1 in every spiking layer, and the two neuron modes compared.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../src/core/index.js';
import { foldBatchNorms } from '../src/convert/index.js';
import { loadNetwork, networkToOnnxBytes } from '../src/model/index.js';
import { Runner } from '../src/runtime/index.js';
import { createRng, VGG_HYPER_PARAMS, type NeuronDynamics } from '../src/snn/index.js';

export const B = 64;
export const DEFAULT_BENCH_MODEL = join(fileURLToPath(new URL('..', import.meta.url)), 'test', 'fixtures', 'cifar10_small.onnx');

export const METHODS: readonly [string, NeuronDynamics][] = [
  ['const', { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'soft' }],
  ['msat', { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
];

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchSetup(modelPath: string, threads: number) {
  const runner = new Runner({ threads });
  const { network } = foldBatchNorms(await loadNetwork(modelPath));
  const rng = createRng(1);
  const dims = [B, ...(network.inputs[0].dims.slice(1) as number[])];
  const x: Tensor<'float32'> = {
    type: 'float32',
    dims,
    data: Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => rng.nextFloat() * 2 - 1),
  };
  const labels = Int32Array.from({ length: B }, (_, i) => i % 10);
  const ann = await runner.session('bench-ann', () => networkToOnnxBytes(network));
  /** One ANN forward pass of the batch, in ms. */
  const annOnce = async () => {
    const t = performance.now();
    await ann.run({ [network.inputs[0].name]: x });
    return performance.now() - t;
  };
  const lambdas = new Map(network.layers.filter((l) => l.kind === 'relu').map((l) => [l.name, 1] as [string, number]));
  return { runner, network, x, labels, annOnce, lambdas };
}
