/**
 * The exported SNN (`msat export --format onnx`) looped in plain onnxruntime-node, as a program outside msat would
 * run it, against msat's own simulator on the same network, batch, T and threads, in one process: sample-steps
 * per second of each and their ratio. The loop feeds the state back through `session.run` (outputs copied out
 * and fed in again, what any onnxruntime binding does without I/O binding); the simulator keeps state in
 * pre-allocated buffers, runs groups of samples that fit the CPU cache and chunks of 16 steps.
 *
 * Run: `node --import tsx bench/export.bench.ts [model] [T] [threads] [rounds]` (defaults: the fixture
 * cifar10_small, 64, 2, 3). Each round times every configuration once; the table shows medians over the rounds.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { snnOnnxModel } from '../src/export/index.js';
import { encodeOnnxModel } from '../src/onnx/index.js';
import { BatchSimulator } from '../src/snn/index.js';
import { B, benchSetup, DEFAULT_BENCH_MODEL, median, METHODS } from './setup.js';

const modelPath = process.argv[2] || DEFAULT_BENCH_MODEL;
const T = Number(process.argv[3] ?? 64);
const threads = Number(process.argv[4] ?? 2);
const rounds = Number(process.argv[5] ?? 3);

const { runner, network, x, labels, lambdas } = await benchSetup(modelPath, threads);
const tmp = mkdtempSync(join(tmpdir(), 'msat-export-bench-'));

/** T steps of the batch through the exported model with K steps per call, from reset state. */
async function loop(session: ort.InferenceSession): Promise<void> {
  const state: Record<string, ort.Tensor> = {};
  for (const m of session.inputMetadata) {
    if (m.name === 'input' || !m.isTensor) continue;
    const dims = m.shape.map((d) => (typeof d === 'number' ? d : B));
    const size = dims.reduce((a, d) => a * d, 1);
    state[m.name] =
      m.type === 'float64' ? new ort.Tensor('float64', new Float64Array(size), dims) : new ort.Tensor('float32', new Float32Array(size), dims);
  }
  const input = new ort.Tensor('float32', x.data as Float32Array, x.dims);
  for (let t = 0; t < T;) {
    const out = await session.run({ input, ...state });
    for (const name of Object.keys(state)) state[name] = out[`${name}:out`];
    t += out['readout'].dims[0] / B;
  }
}

const configs: { label: string; run: () => Promise<void>; ms: number[] }[] = [];
for (const [method, dynamics] of METHODS) {
  const sim = new BatchSimulator(network, lambdas, runner, { steps: T, dynamics, batchSize: B });
  configs.push({ label: `${method}  msat simulator (chunk 16)`, run: () => sim.run(x, labels), ms: [] });
  for (const K of [1, 16]) {
    const file = join(tmp, `${method}-${K}.onnx`);
    writeFileSync(file, encodeOnnxModel(snnOnnxModel({ network, lambdas, dynamics }, { stepsPerCall: K }).model));
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads });
    configs.push({ label: `${method}  exported, ${K} step${K > 1 ? 's' : ''} per call`, run: () => loop(session), ms: [] });
  }
}
for (const c of configs) await c.run(); // warm-up: compile the graphs
for (let r = 0; r < rounds; r++) {
  for (const c of configs) {
    const t = performance.now();
    await c.run();
    c.ms.push(performance.now() - t);
  }
}

console.log(`${modelPath}, batch ${B}, T = ${T}, ${threads} threads, median of ${rounds} rounds\n`);
console.log('configuration                              sample-steps/s   time / simulator');
for (let i = 0; i < configs.length; i += 3) {
  const base = median(configs[i].ms);
  for (const c of configs.slice(i, i + 3)) {
    const ms = median(c.ms);
    console.log(`${c.label.padEnd(42)} ${((B * T) / (ms / 1000)).toFixed(0).padStart(14)}   ${(ms / base).toFixed(2).padStart(16)}`);
  }
}
await runner.dispose();
