/**
 * Early exit's real saving: wall time of the same images simulated for T steps with and without an exit rule,
 * against the ratio of sample-steps the simulator actually computed (a sample that exits is computed to the end
 * of its chunk). Real model, real images: a model with θ = λ calibrated on 200 training images, or an SNN file
 * (from `msat tune`) with its thresholds and neuron; the simulator's defaults
 * (chunk 16 without exit, 4 with), no ANN pass (`compareWithAnn: false`) so that both sides do the same work.
 * Rounds alternate the two runs on a possibly shared machine; the table shows medians.
 *
 * Run: `node --import tsx bench/exit.bench.ts [model|snn.json] [data] [T] [rule] [images] [threads] [rounds]` (defaults:
 * models/mnist-cnn.onnx, mnist, 32, confidence:0.99, 256, 2, 3).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset, type Batch } from '../src/data/index.js';
import { readSnnFile } from '../src/convert/index.js';
import { convertModel, snnFileDefaults } from '../src/pipeline/index.js';
import { Runner } from '../src/runtime/index.js';
import { BatchSimulator, DEFAULT_NEURON_CONFIG, neuronDynamics, parseExitRule, type SimulationOptions } from '../src/snn/index.js';
import { median } from './setup.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const model = process.argv[2] || join(root, 'models', 'mnist-cnn.onnx');
const data = process.argv[3] || 'mnist';
const T = Number(process.argv[4] ?? 32);
const rule = parseExitRule(process.argv[5] || 'confidence:0.99');
const images = Number(process.argv[6] ?? 256);
const threads = Number(process.argv[7] ?? 2);
const rounds = Number(process.argv[8] ?? 3);

const runner = new Runner({ threads });
// an SNN file (from `msat tune`): its model, thresholds and neuron; a model: θ = λ calibrated here
const snnFile = model.endsWith('.json') ? await readSnnFile(model) : undefined;
const converted = await convertModel({
  // the recorded model path: relative to the working folder, else to the file (as `ConvertedSnn.load` finds it)
  model: snnFile ? (existsSync(snnFile.model.path) ? snnFile.model.path : resolve(dirname(model), snnFile.model.path)) : model,
  data,
  thresholds: snnFile ? { kind: 'snn-file', path: model } : { kind: 'calibrate', samples: 200 },
  runner,
});
const dynamics = neuronDynamics({ ...DEFAULT_NEURON_CONFIG, method: 'const', ...(snnFile ? (await snnFileDefaults(model)).neuron : {}) });
const dataset = await openDataset(data, { split: 'test', limit: images, ...converted.dataOptions });
const batches: Batch[] = [];
for await (const b of dataset.batches(64)) batches.push(b);

/** One pass over the images; returns ms and the simulator's result. */
async function once(options: Omit<SimulationOptions, 'steps'>) {
  const sim = new BatchSimulator(converted.network, converted.lambdas, runner, { steps: T, dynamics, compareWithAnn: false, ...options });
  const t = performance.now();
  for (const b of batches) await sim.run(b.x, b.labels);
  const ms = performance.now() - t;
  const result = sim.result(ms / 1000);
  await sim.dispose();
  return { ms, result };
}

await once({}); // compile the graphs once
await once({ exit: rule });
const full: number[] = [];
const exit: number[] = [];
let last: Awaited<ReturnType<typeof once>>['result'] | undefined;
for (let r = 0; r < rounds; r++) {
  full.push((await once({})).ms);
  const e = await once({ exit: rule });
  exit.push(e.ms);
  last = e.result;
}
const e = last!.exit!;
const stepsRatio = e.computedSteps / T;
const timeRatio = median(exit) / median(full);
console.log(`${model} on ${batches.reduce((n, b) => n + b.labels.length, 0)} images of ${data}, T = ${T}, ${threads} threads, ${rounds} rounds`);
console.log(
  `exit rule ${process.argv[5] || 'confidence:0.99'}: accuracy ${(100 * last!.accuracyPerStep[T - 1]).toFixed(2)} %, mean exit step ${e.meanSteps.toFixed(2)}, computed ${e.computedSteps.toFixed(2)} steps per sample`,
);
console.log('');
console.log('run            median ms   per image ms');
console.log(`without exit  ${median(full).toFixed(0).padStart(10)}  ${(median(full) / images).toFixed(2).padStart(12)}`);
console.log(`with exit     ${median(exit).toFixed(0).padStart(10)}  ${(median(exit) / images).toFixed(2).padStart(12)}`);
console.log('');
console.log(
  `time with / without ${timeRatio.toFixed(3)}; sample-steps computed with / without ${stepsRatio.toFixed(3)}; time ratio / steps ratio ${(timeRatio / stepsRatio).toFixed(2)}`,
);
await runner.dispose();
