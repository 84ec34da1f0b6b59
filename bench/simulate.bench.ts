/**
 * Simulator speed against the ANN on the same onnxruntime settings, measured in one process (issue 3):
 * ratio = simulation time / (T × ANN forward time) at batch 64, for const and MSAT, per chunk size, with the
 * peak RSS. Run: `npm run bench` (or `node --import tsx bench/simulate.bench.ts [model] [T] [threads]`).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../src/core/index.js';
import { foldBatchNorms } from '../src/convert/index.js';
import { encodeOnnxModel } from '../src/onnx/index.js';
import { loadNetwork, networkToOnnxBytes } from '../src/model/index.js';
import { Runner } from '../src/runtime/index.js';
import { buildChunkGraph, createRng, VGG_HYPER_PARAMS, type NeuronDynamics } from '../src/snn/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const modelPath = process.argv[2] ?? join(root, 'test', 'fixtures', 'cifar10_small.onnx');
const T = Number(process.argv[3] ?? 64);
const threads = Number(process.argv[4] ?? 0);
const B = 64;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timeIt(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

const runner = new Runner({ threads });
const { network } = foldBatchNorms(await loadNetwork(modelPath));
const rng = createRng(1);
const dims = [B, ...(network.inputs[0].dims.slice(1) as number[])];
const x: Tensor<'float32'> = { type: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => rng.nextFloat() * 2 - 1) };
const ann = await runner.session('bench-ann', () => networkToOnnxBytes(network));
const annMs = await timeIt(() => ann.run({ [network.inputs[0].name]: x }), 20);
const lambdas = new Map(network.layers.filter((l) => l.kind === 'relu').map((l) => [l.name, 1] as [string, number]));

const rows: string[][] = [];
for (const [label, dynamics] of [
  ['const', { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'soft' }],
  ['msat', { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'soft' }],
] as [string, NeuronDynamics][]) {
  for (const K of [1, 4, 8, 16]) {
    const graph = buildChunkGraph({ network, lambdas, dynamics, steps: K, encoding: 'direct' });
    const session = await runner.session(`bench-${label}-${K}`, () => encodeOnnxModel(graph.model));
    const zero = Object.fromEntries(graph.state.map((s) => [s.input, { type: 'float32', dims: [B, ...s.shape], data: new Float32Array(B * s.shape.reduce((a, d) => a * d, 1)) } as Tensor]));
    const runT = async () => {
      let state = zero;
      for (let t0 = 0; t0 < T; t0 += K) {
        const out = await session.run({ ...state, [graph.input]: x, [graph.t0]: { type: 'float32', dims: [1], data: Float32Array.of(t0) } });
        state = Object.fromEntries(graph.state.map((s) => [s.input, out[s.output]]));
      }
    };
    const ms = await timeIt(runT, 3);
    rows.push([label, String(K), ms.toFixed(0), ((B * T) / (ms / 1000)).toFixed(0), (ms / (T * annMs)).toFixed(2), (process.memoryUsage().rss / 2 ** 20).toFixed(0)]);
    await runner.release(`bench-${label}-${K}`);
  }
}
console.log(`model ${modelPath}, batch ${B}, T = ${T}, threads ${threads || 'all'}; ANN forward ${annMs.toFixed(2)} ms per batch (median of 20)`);
console.log('method  chunk  ms (median of 3)  sample-steps/s  ratio to T×ANN  RSS MiB');
for (const r of rows) console.log(`${r[0].padEnd(6)}  ${r[1].padStart(5)}  ${r[2].padStart(16)}  ${r[3].padStart(14)}  ${r[4].padStart(14)}  ${r[5].padStart(7)}`);
await runner.dispose();
