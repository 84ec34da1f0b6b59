/**
 * Choosing an early-exit rule for the tuned neuron on held-out samples (the validation split's where the dataset
 * has one, else the final tuning samples): one full simulation records every sample's readout and outputs, every
 * rule of the sweep is replayed on it, read through each readout decay of `EXIT_DECAYS` (`sweepExitRules`,
 * `recordWithDecay`), and the rule with the fewest mean steps whose accuracy reaches the target wins. The test
 * split never takes part.
 */
import {
  exitOracle,
  fewestStepsAtLeast,
  neuronDynamics,
  paretoFront,
  recordWithDecay,
  simulate,
  stepsToAccuracy,
  sweepExitRules,
  type ExitOutcome,
  type ExitPoint,
} from '../snn/index.js';
import { MsatError } from '../core/index.js';
import { hasValidationSplit } from '../data/index.js';
import type { ModelDataOptions } from '../pipeline/index.js';
import { lambdaMap, type EvaluationContext } from './evaluate-config.js';
import type { TunedConfig } from './search-space.js';
import { loadTuningData, type TuningData } from './tuning-data.js';

/** The exit rule chosen for a tuned config, and what it and the alternatives gave on the tuning samples. */
export interface ExitChoice {
  /** The rule (CLI form), or null when no rule of the sweep reaches the target within T in fewer mean steps than `fixedSteps`. */
  readonly rule: string | null;
  /** The split the samples came from: the validation split, or the held-out training samples. */
  readonly split: 'train' | 'validation';
  readonly samples: number;
  readonly T: number;
  /** The ANN's accuracy on the same samples. */
  readonly annAccuracy: number;
  /** The accuracy the rule had to reach: `annAccuracy` minus the margin. */
  readonly target: number;
  readonly accuracy: number | null;
  readonly meanSteps: number | null;
  /** The fewest fixed steps at which the same SNN reaches the target (null if it does not within T). */
  readonly fixedSteps: number | null;
  readonly oracle: ExitOutcome;
  readonly front: ExitPoint[];
  /** The readout decays whose rules were tried (`EXIT_DECAYS`, or only 1 when the outputs were too many to keep). */
  readonly decays: readonly number[];
}

/**
 * The readout decays the choice tries (`ExitRule.decay`): the plain sum, and two leaky readouts that let the
 * first steps' transient fade (with β = 0.8 msat's tuned VGG-16, ResNet-20 and speech CNN reach ANN − 1 % in 23,
 * 40 and 13 fixed steps, against the plain sum's 39, 91 and 16). All are read from one run's outputs
 * (`recordWithDecay`).
 */
export const EXIT_DECAYS = [1, 0.9, 0.8] as const;

/** Above this many recorded outputs (samples × T × classes: 128 MB) only the plain sum is tried. */
const MAX_RECORDED_OUTPUTS = 2 ** 25;

/**
 * Simulates `config` on the first `samples` of `data` for `steps` (default `ctx.steps`) and chooses its exit
 * rule among those that read the readout through each of `decays`. `fixedSteps` and the oracle are the plain sum's.
 */
export async function chooseExitRule(
  ctx: EvaluationContext,
  config: TunedConfig,
  data: TuningData,
  samples: number,
  margin: number,
  steps = ctx.steps,
  decays: readonly number[] = EXIT_DECAYS,
): Promise<ExitChoice> {
  const classes = data.annLogits.length / data.labels.length;
  const outputs = decays.some((d) => d !== 1) && samples * steps * classes <= MAX_RECORDED_OUTPUTS;
  const result = await simulate(ctx.network, lambdaMap(ctx.space, config), data.slice(0, samples), ctx.runner, {
    steps,
    dynamics: neuronDynamics(config.neuron),
    chunk: ctx.chunk,
    batchSize: ctx.batchSize,
    workers: ctx.workers,
    compareWithAnn: false,
    recordReadout: true,
    recordOutputs: outputs,
  });
  const record = result.readoutRecord!;
  let annCorrect = 0;
  for (let i = 0; i < samples; i++) annCorrect += data.annCorrect[i];
  const target = annCorrect / samples - margin;
  const tried = outputs ? decays : [1];
  const points = tried.flatMap((d) => sweepExitRules(d === 1 ? record : recordWithDecay(record, d)));
  const fixedSteps = stepsToAccuracy(result.accuracyPerStep, target);
  // a rule that needs as many mean steps as a fixed T (the fewest that reach the target) saves nothing
  const found = fewestStepsAtLeast(points, target);
  const best = found && (fixedSteps === null || found.meanSteps < fixedSteps) ? found : undefined;
  return {
    rule: best?.rule ?? null,
    split: data.arrays.dataset.split === 'validation' ? 'validation' : 'train',
    samples,
    T: steps,
    annAccuracy: annCorrect / samples,
    target,
    accuracy: best?.accuracy ?? null,
    meanSteps: best?.meanSteps ?? null,
    fixedSteps,
    oracle: exitOracle(record),
    front: paretoFront(points),
    decays: tried,
  };
}

/** Where and how `msat tune` chooses the exit rule (`TuneModelOptions.exitSplit`, `exitSamples`). */
export interface ExitChoiceOptions {
  /** The dataset folder (for the validation split). */
  readonly data: string;
  readonly exitSplit: 'auto' | 'train' | 'validation';
  readonly exitSamples: number;
  readonly seed: number;
  /** The rule must reach the ANN's accuracy on the same samples minus this. */
  readonly margin: number;
  /**
   * Steps simulated for the choice: the check horizon, so that a neuron that reaches the target only after the
   * search's T still gets a rule (a budget `max` up to this).
   */
  readonly steps: number;
}

/** The split `options.exitSplit` means for the tuning data (`'auto'`: validation where the dataset has one). */
export function exitSplitOf(options: Pick<ExitChoiceOptions, 'exitSplit' | 'data'>, data: TuningData): 'train' | 'validation' {
  const hasValidation = hasValidationSplit(data.arrays.dataset.format);
  if (options.exitSplit === 'validation' && !hasValidation) {
    throw new MsatError(
      'TUNE_OPTIONS',
      `${options.data} has no validation split to choose the exit rule on; use the training samples (exit split train or auto)`,
    );
  }
  return options.exitSplit === 'auto' ? (hasValidation ? 'validation' : 'train') : options.exitSplit;
}

/**
 * Chooses the tuned neuron's exit rule on the split `exitSplitOf` names: up to `exitSamples` validation samples
 * (read here), or the first `finalSamples` tuning samples.
 */
export async function chooseTunedExit(
  options: ExitChoiceOptions,
  ctx: EvaluationContext,
  config: TunedConfig,
  finalSamples: number,
  dataOptions: ModelDataOptions,
): Promise<ExitChoice> {
  if (exitSplitOf(options, ctx.data) === 'train') return chooseExitRule(ctx, config, ctx.data, finalSamples, options.margin, options.steps);
  const validation = await loadTuningData({
    data: options.data,
    split: 'validation',
    dataOptions,
    calibrationSamples: 0,
    samples: options.exitSamples,
    seed: options.seed,
    network: ctx.network,
    runner: ctx.runner,
  });
  return chooseExitRule(ctx, config, validation, validation.labels.length, options.margin, options.steps);
}
