/**
 * Simulator speed against the ANN on the same onnxruntime settings, measured in one process:
 * ratio = simulation time / (T × ANN forward time) at batch 64, for const and MSAT (DTT+DET), per chunk size
 * and micro-batch, with the RSS. The simulation is `BatchSimulator.run`, the per-batch work of `simulate`
 * (ANN run for SIN included, dataset reading excluded). Analog layers always run once per step
 * (`timeFolding: 'none'`); the folded layout of earlier commits is no simulator option any more (its results
 * are in bench/RESULTS.md, its equivalence in test/runtime/snn-chunk-graph-variants.test.ts).
 *
 * Run: `node --import tsx bench/simulate.bench.ts [model] [T] [threads] [rounds] [all|defaults]` (defaults:
 * the fixture cifar10_small, 64, 2, 5, all). The machine may be shared, so every round times the ANN (median
 * of 5) and then each configuration once, the ratio of a round uses that round's ANN time, and the table shows
 * medians over the rounds (and the smallest ratio, the least disturbed round). `defaults` runs only the
 * simulator's default configuration, for a peak-RSS measurement at large T. RSS is the process's, so it grows
 * with the sessions of all configurations run so far.
 */
import { availableParallelism } from 'node:os';
import { BatchSimulator, DEFAULT_SIMULATION_OPTIONS, autoMicroBatch } from '../src/snn/index.js';
import { B, benchSetup, DEFAULT_BENCH_MODEL, median, METHODS } from './setup.js';

const modelPath = process.argv[2] || DEFAULT_BENCH_MODEL;
const T = Number(process.argv[3] ?? 64);
const threads = Number(process.argv[4] ?? 2);
const rounds = Number(process.argv[5] ?? 5);
const onlyDefaults = process.argv[6] === 'defaults';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

const { runner, network, x, labels, annOnce, lambdas } = await benchSetup(modelPath, threads);
const auto = autoMicroBatch(network, threads || availableParallelism());
// the simulator's defaults first, then one change at a time, then whole batches of 64 in chunks of 8
const chunk = DEFAULT_SIMULATION_OPTIONS.chunk;
const SHAPES: { chunk: number; micro: number }[] = [
  { chunk, micro: auto },
  ...(onlyDefaults
    ? []
    : [
        { chunk: 8, micro: auto },
        { chunk, micro: autoMicroBatch(network, (threads || availableParallelism()) === 1 ? 2 : 1) },
        { chunk: 8, micro: B },
      ]),
];
const configs = METHODS.flatMap(([label, dynamics]) =>
  SHAPES.map((s) => ({
    label,
    ...s,
    sim: new BatchSimulator(network, lambdas, runner, { steps: T, dynamics, chunk: s.chunk, microBatch: s.micro, batchSize: B }),
    ms: [] as number[],
    ratio: [] as number[],
    rss: 0,
  })),
);

for (let i = 0; i < 3; i++) await annOnce();
for (const c of configs) await c.sim.run(x, labels); // compile every graph variant once
const annTimes: number[] = [];
for (let r = 0; r < rounds; r++) {
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) ts.push(await annOnce());
  const annMs = median(ts);
  for (const c of configs) {
    const t = performance.now();
    await c.sim.run(x, labels);
    const ms = performance.now() - t;
    c.ms.push(ms);
    c.ratio.push(ms / (T * annMs));
    c.rss = Math.max(c.rss, process.memoryUsage().rss);
  }
  annTimes.push(annMs);
}

console.log(
  `model ${modelPath}, batch ${B}, T = ${T}, ${threads || 'all'} threads, ${rounds} rounds; ANN forward ${median(annTimes).toFixed(2)} ms per batch (median of rounds)`,
);
console.log('method  chunk  micro  ms (median)  sample-steps/s  ratio to T×ANN  (min)  RSS MiB');
for (const c of configs) {
  const ms = median(c.ms);
  console.log(
    [
      c.label.padEnd(6),
      String(c.chunk).padStart(5),
      String(c.micro).padStart(5),
      ms.toFixed(0).padStart(11),
      ((B * T) / (ms / 1000)).toFixed(0).padStart(14),
      median(c.ratio).toFixed(2).padStart(14),
      Math.min(...c.ratio)
        .toFixed(2)
        .padStart(5),
      mib(c.rss).padStart(7),
    ].join('  '),
  );
}
console.log(`peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`);
for (const c of configs) await c.sim.dispose();
await runner.dispose();
