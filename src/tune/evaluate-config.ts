/**
 * One trial: a candidate config simulated on a range of the tuning samples, reduced to additive `Tallies`.
 * Accuracy-based objectives run the simulator itself (`simulate`, exactly what `msat simulate` runs); the `kl`
 * objective runs `simulateReadout`, which also returns the readout.
 */
import type { Network } from '../model/index.js';
import { neuronDynamics } from '../snn/index.js';
import type { Runner } from '../runtime/index.js';
import { energyReport, simulate } from '../snn/index.js';
import type { Tallies, TuneObjective } from './objectives.js';
import { simulateReadout } from './readout-simulation.js';
import { lambdasOfConfig, type SearchSpace, type TunedConfig } from './search-space.js';
import type { TuningData } from './tuning-data.js';

/** Everything a trial needs besides the candidate. */
export interface EvaluationContext {
  /** The batch-norm folded network. */
  readonly network: Network;
  readonly space: SearchSpace;
  readonly data: TuningData;
  readonly runner: Runner;
  /** T. */
  readonly steps: number;
  readonly objective: TuneObjective;
  /** Steps per onnxruntime run. Default 16. */
  readonly chunk?: number;
  /** Samples per simulator batch. Default 64. */
  readonly batchSize?: number;
  /** Parallel simulation workers (`SimulationOptions.workers`). Default 1. */
  readonly workers?: number;
}

/** λ per spiking layer name that `config` runs with. */
export function lambdaMap(space: SearchSpace, config: TunedConfig): Map<string, number | Float32Array> {
  const lambdas = lambdasOfConfig(space, config);
  return new Map(space.layers.map((l, i) => [l, lambdas[i]]));
}

/** Simulates `config` on tuning samples [from, to) and tallies what the objective needs. */
export async function evaluateConfig(ctx: EvaluationContext, config: TunedConfig, from: number, to: number): Promise<Tallies> {
  const lambdas = lambdaMap(ctx.space, config);
  const dynamics = neuronDynamics(config.neuron);
  let annCorrect = 0;
  for (let i = from; i < to; i++) annCorrect += ctx.data.annCorrect[i];
  const samples = to - from;
  if (ctx.objective.kind === 'kl') {
    const r = await simulateReadout({
      network: ctx.network,
      lambdas,
      dynamics,
      steps: ctx.steps,
      x: ctx.data.tensor(from, to),
      labels: ctx.data.labels.subarray(from, to),
      annLogits: ctx.data.annLogits.subarray(from * ctx.data.classes, to * ctx.data.classes),
      chunk: ctx.chunk,
      runner: ctx.runner,
    });
    return { samples, annCorrect, correct: r.correct, kl: r.kl };
  }
  const result = await simulate(ctx.network, lambdas, ctx.data.slice(from, to), ctx.runner, {
    steps: ctx.steps,
    dynamics,
    chunk: ctx.chunk,
    batchSize: ctx.batchSize,
    workers: ctx.workers,
  });
  const sopPerStep = energyReport(ctx.network, result).sopPerStep;
  const sop = sopPerStep.reduce((a, b) => a + b, 0) / ctx.steps;
  return {
    samples,
    annCorrect,
    correct: Array.from(result.accuracyPerStep, (a) => Math.round(a * samples)),
    sop: sop * samples,
  };
}
