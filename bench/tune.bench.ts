/**
 * Trials of `msat tune`, in one process: the same rung (the authors' defaults and θ = λ, then
 * seeded random candidates, each on the first `samples` tuning samples) run by `createTrialRunner` on the calling
 * thread (the baseline; `threads` intra-op threads) and on W worker threads (one trial each at a time,
 * single-threaded sessions). A trial includes compiling its candidate's graphs, as in the tuner.
 *
 * Run: `node --import tsx bench/tune.bench.ts [model] [data] [candidates] [samples] [T] [W] [threads]`
 * (defaults: models/cifar10-resnet20.onnx, .cache/datasets/cifar10-jpeg, 6, 48, 64, 2, 2). Every path runs
 * the rung twice; the table shows the second (workers started and warm) and the speed-up over the baseline.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrateModelPercentiles } from '../src/pipeline/index.js';
import { type Method } from '../src/snn/index.js';
import { Runner } from '../src/runtime/index.js';
import {
  createSearchSpace,
  createTrialRunner,
  decodeCandidate,
  defaultConfig,
  latinHypercube,
  loadTuningData,
  thetaLambdaConfig,
  DEFAULT_OBJECTIVE,
  type EvaluationContext,
  type TunedConfig,
} from '../src/tune/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const modelPath = process.argv[2] || join(root, 'models', 'cifar10-resnet20.onnx');
const data = process.argv[3] || join(root, '.cache', 'datasets', 'cifar10-jpeg');
const count = Number(process.argv[4] ?? 6);
const samples = Number(process.argv[5] ?? 48);
const T = Number(process.argv[6] ?? 64);
const W = Number(process.argv[7] ?? 2);
const threads = Number(process.argv[8] ?? 2);
const method: Method = 'msat';

const runner = new Runner({ threads });
try {
  const percentiles = [0.999, 0.9999, 1];
  const calibrated = await calibrateModelPercentiles({ model: modelPath, data, samples: 200, every: 250, percentiles, channelWise: false, runner });
  const layers = calibrated.calibrations[0].layers.map((l) => l.relu);
  const space = createSearchSpace({ method, layers, lambdas: calibrated.calibrations.map((c) => c.layers.map((l) => l.lambda)), percentiles });
  const tuning = await loadTuningData({
    data,
    dataOptions: calibrated.dataOptions,
    calibrationSamples: 200,
    calibrationEvery: 250,
    samples,
    seed: 0,
    network: calibrated.network,
    runner,
  });
  const ctx: EvaluationContext = { network: calibrated.network, space, data: tuning, runner, steps: T, objective: DEFAULT_OBJECTIVE };
  const configs: TunedConfig[] = [
    defaultConfig(method),
    thetaLambdaConfig(),
    ...latinHypercube(Math.max(0, count - 2), space.dimensions.length, 1).map((u) => decodeCandidate(space, u)),
  ].slice(0, count);

  const rows: { path: string; seconds: number }[] = [];
  for (const [path, workers] of [
    [`calling thread × ${threads} threads`, 1],
    [`${W} workers × 1 thread`, W],
  ] as const) {
    const trials = createTrialRunner(ctx, workers);
    try {
      let seconds = 0;
      for (let round = 0; round < 2; round++) {
        const t = performance.now();
        await Promise.all(configs.map((c) => trials.evaluate(c, 0, samples, T)));
        seconds = (performance.now() - t) / 1000;
      }
      rows.push({ path, seconds });
    } finally {
      await trials.dispose();
    }
  }
  console.log(`model ${modelPath}, ${count} candidates × ${samples} tuning samples, T = ${T} (${method})`);
  console.log('path                          s per rung  s per trial  sample-steps/s  speed-up');
  for (const r of rows) {
    console.log(
      [
        r.path.padEnd(28),
        r.seconds.toFixed(1).padStart(10),
        (r.seconds / count).toFixed(2).padStart(11),
        ((count * samples * T) / r.seconds).toFixed(0).padStart(14),
        (rows[0].seconds / r.seconds).toFixed(2).padStart(8),
      ].join('  '),
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (main thread and workers)`);
} finally {
  await runner.dispose();
}
