/**
 * The SNN simulator's driver: `simulate` runs a converted network for T steps over a dataset on onnxruntime
 * and measures accuracy at every step, spikes per layer and step, SIN at step 16, synaptic operations and
 * energy (docs/method.md §1–§4, §7). It resolves the options once and hands the batches to a `BatchSimulator` on
 * the caller's runner, or with several workers to `simulateInWorkers`; neither imports this module.
 *
 * Each batch runs in groups of samples, each group chunk by chunk (`buildChunkGraph`); state tensors go from
 * one chunk's outputs to the next chunk's inputs and are zero at the start of every group, so every sample
 * starts from reset state.
 */
import type { Dataset } from '../data/index.js';
import type { Network } from '../model/index.js';
import type { Runner } from '../runtime/index.js';
import { BatchSimulator } from './batch-simulator.js';
import { simulateInWorkers } from './parallel-simulate.js';
import { resolveSimulationOptions, type SimulationOptions, type SimulationResult } from './simulation-options.js';

/**
 * Simulates `network` (batch-norm folded, every relu with a λ in `lambdas`) over `dataset`, on `runner` or,
 * with `options.workers` > 1, on that many worker threads (`simulateInWorkers`).
 * @throws MsatError `SNN_OPTIONS` for bad options, `SNN_NETWORK` for a network the simulator cannot run.
 */
export async function simulate(
  network: Network,
  lambdas: ReadonlyMap<string, number | Float32Array>,
  dataset: Dataset,
  runner: Runner,
  options: SimulationOptions,
): Promise<SimulationResult> {
  const opts = resolveSimulationOptions(options);
  if (opts.workers !== 1) return simulateInWorkers(network, lambdas, dataset, runner, opts);
  const started = performance.now();
  const sim = new BatchSimulator(network, lambdas, runner, opts);
  opts.onProgress?.(0, dataset.length); // started: a progress display can show itself before the first batch ends
  try {
    for await (const batch of dataset.batches(opts.batchSize)) {
      await sim.run(batch.x, batch.labels);
      opts.onProgress?.(sim.samples, dataset.length);
    }
  } finally {
    await sim.dispose();
  }
  return sim.result((performance.now() - started) / 1000);
}
