/**
 * Sample-parallel simulation against the ANN, in one process: the ANN forward time of a batch of 64
 * on one session with `threads` intra-op threads, against W batches of 64 run by `ParallelSimulator` on W
 * workers (one batch each, single-threaded sessions), for const and MSAT (DTT+DET, VGG_HYPER_PARAMS).
 * ratio = simulation wall time per batch (W batches' time / W) / (T × ANN time per batch). For comparison the
 * one-thread path (`BatchSimulator` on the `threads`-thread runner, the default of `simulate`) runs the same
 * batch in every round. The ANN run for SIN is included in both, dataset reading is not.
 *
 * Run: `node --import tsx bench/parallel.bench.ts [model] [T] [workers] [rounds] [threads]` (defaults: the
 * fixture cifar10_small, 64, 2, 5, 2). Every round times the ANN (median of 5) and then each configuration once;
 * the ratio of a round uses that round's ANN time, and the table shows medians over rounds and the smallest.
 * Worker start-up and graph compilation happen in a warm-up round that is not timed.
 */
import { BatchSimulator, ParallelSimulator } from '../src/snn/index.js';
import { B, benchSetup, DEFAULT_BENCH_MODEL, median, METHODS } from './setup.js';

const modelPath = process.argv[2] || DEFAULT_BENCH_MODEL;
const T = Number(process.argv[3] ?? 64);
const W = Number(process.argv[4] ?? 2);
const rounds = Number(process.argv[5] ?? 5);
const threads = Number(process.argv[6] ?? 2);

const { runner, network, x, labels, annOnce, lambdas } = await benchSetup(modelPath, threads);

/** One configuration: `batches` batches per timed run, and how to run them. */
interface Config {
  readonly label: string;
  readonly path: string;
  readonly batches: number;
  readonly run: () => Promise<void>;
  readonly dispose: () => Promise<void>;
  readonly ratio: number[];
  readonly ms: number[];
}

const configs: Config[] = [];
for (const [label, dynamics] of METHODS) {
  const options = { steps: T, dynamics, batchSize: B };
  const parallel = new ParallelSimulator(network, lambdas, runner, { ...options, workers: W });
  configs.push({
    label,
    path: `${W} workers × 1 thread`,
    batches: W,
    run: async () => {
      for (let i = 0; i < W; i++) await parallel.submit(x, labels, i * B);
      await parallel.drain();
    },
    dispose: () => parallel.dispose(),
    ratio: [],
    ms: [],
  });
  const single = new BatchSimulator(network, lambdas, runner, options);
  configs.push({
    label,
    path: `1 session × ${threads || 'all'} threads`,
    batches: 1,
    run: () => single.run(x, labels),
    dispose: () => single.dispose(),
    ratio: [],
    ms: [],
  });
}

try {
  for (let i = 0; i < 3; i++) await annOnce();
  for (const c of configs) await c.run(); // start the workers, compile every graph
  const annTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ts: number[] = [];
    for (let i = 0; i < 5; i++) ts.push(await annOnce());
    const annMs = median(ts);
    annTimes.push(annMs);
    for (const c of configs) {
      const t = performance.now();
      await c.run();
      const perBatch = (performance.now() - t) / c.batches;
      c.ms.push(perBatch);
      c.ratio.push(perBatch / (T * annMs));
    }
  }
  console.log(
    `model ${modelPath}, batch ${B}, T = ${T}, ${rounds} rounds; ANN forward ${median(annTimes).toFixed(2)} ms per batch on ${threads || 'all'} threads (median of rounds)`,
  );
  console.log('method  path                      ms per batch  sample-steps/s  ratio to T×ANN  (min)');
  for (const c of configs) {
    const ms = median(c.ms);
    console.log(
      [
        c.label.padEnd(6),
        c.path.padEnd(24),
        ms.toFixed(0).padStart(12),
        ((B * T) / (ms / 1000)).toFixed(0).padStart(14),
        median(c.ratio).toFixed(2).padStart(14),
        Math.min(...c.ratio)
          .toFixed(2)
          .padStart(5),
      ].join('  '),
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (main thread and workers)`);
} finally {
  for (const c of configs) await c.dispose();
  await runner.dispose();
}
