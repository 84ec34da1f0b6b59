/**
 * Choosing an early-exit rule for the tuned neuron on the held-out tuning samples: one full simulation records
 * every sample's readout, every rule of the sweep is replayed on it (`sweepExitRules`), and the rule with the
 * fewest mean steps whose accuracy reaches the target wins. The test split never takes part.
 */
import {
  exitOracle,
  fewestStepsAtLeast,
  neuronDynamics,
  paretoFront,
  simulate,
  stepsToAccuracy,
  sweepExitRules,
  type ExitOutcome,
  type ExitPoint,
} from '../snn/index.js';
import { lambdaMap, type EvaluationContext } from './evaluate-config.js';
import type { TunedConfig } from './search-space.js';

/** The exit rule chosen for a tuned config, and what it and the alternatives gave on the tuning samples. */
export interface ExitChoice {
  /** The rule (CLI form), or null when no rule of the sweep reaches the target within T. */
  readonly rule: string | null;
  readonly samples: number;
  readonly T: number;
  /** The accuracy the rule had to reach: the ANN's on the same samples minus the margin. */
  readonly target: number;
  readonly accuracy: number | null;
  readonly meanSteps: number | null;
  /** The fewest fixed steps at which the same SNN reaches the target (null if it does not within T). */
  readonly fixedSteps: number | null;
  readonly oracle: ExitOutcome;
  readonly front: ExitPoint[];
}

/** Simulates `config` on the first `samples` tuning samples for T = `ctx.steps` and chooses its exit rule. */
export async function chooseExitRule(ctx: EvaluationContext, config: TunedConfig, samples: number, margin: number): Promise<ExitChoice> {
  const result = await simulate(ctx.network, lambdaMap(ctx.space, config), ctx.data.slice(0, samples), ctx.runner, {
    steps: ctx.steps,
    dynamics: neuronDynamics(config.neuron),
    chunk: ctx.chunk,
    batchSize: ctx.batchSize,
    workers: ctx.workers,
    compareWithAnn: false,
    recordReadout: true,
  });
  const record = result.readoutRecord!;
  let annCorrect = 0;
  for (let i = 0; i < samples; i++) annCorrect += ctx.data.annCorrect[i];
  const target = annCorrect / samples - margin;
  const points = sweepExitRules(record);
  const best = fewestStepsAtLeast(points, target);
  return {
    rule: best?.rule ?? null,
    samples,
    T: ctx.steps,
    target,
    accuracy: best?.accuracy ?? null,
    meanSteps: best?.meanSteps ?? null,
    fixedSteps: stepsToAccuracy(result.accuracyPerStep, target),
    oracle: exitOracle(record),
    front: paretoFront(points),
  };
}
