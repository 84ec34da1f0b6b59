/**
 * Choosing an early-exit rule for the tuned neuron on held-out samples (the validation split's where the dataset
 * has one, else the final tuning samples, or on request the test samples an evaluation leaves out): one full
 * simulation records every sample's readout and outputs, every rule of the sweep is replayed on it, read through
 * each readout decay of `EXIT_DECAYS` (`sweepExitRules`, `recordWithDecay`), and so are the rules that ask a
 * stopping policy fitted on the same record (`fitSettledPolicy`, `sweepSettledRules`); the rule with the fewest mean
 * steps wins whose accuracy reaches the target with the asked confidence (`pairedLowerBound` against the ANN on
 * the same samples): the cheapest rule that only just reaches the target on the samples it was chosen on is as
 * likely as not to miss it on others.
 */
import {
  ACCURACY_COMPARISON_SLACK,
  exitDecisions,
  exitOracle,
  fitSettledPolicy,
  parseExitRule,
  neuronDynamics,
  paretoFront,
  recordWithDecay,
  simulate,
  sweepExitRules,
  sweepSettledRules,
  type ExitOutcome,
  type ExitPoint,
  type ReadoutRecord,
} from '../snn/index.js';
import { pairedLowerBound } from './accuracy-bound.js';
import { MsatError } from '../core/index.js';
import { hasValidationSplit } from '../data/index.js';
import type { Network } from '../model/index.js';
import type { ModelDataOptions } from '../pipeline/index.js';
import type { Runner } from '../runtime/index.js';
import type { NeuronConfig } from '../snn/index.js';
import { lambdaMap, type EvaluationContext } from './evaluate-config.js';
import type { TunedConfig } from './search-space.js';
import { loadTuningData, type TuningData } from './tuning-data.js';

/** The exit rule chosen for a tuned config, and what it and the alternatives gave on the tuning samples. */
export interface ExitChoice {
  /** The rule (CLI form), or null when no rule of the sweep reaches the target (at `level`) within T in fewer mean steps than `fixedSteps`. */
  readonly rule: string | null;
  /**
   * The split the samples came from: the validation split, the held-out training samples, or the test samples
   * that an evaluation of every `leftOutEvery`-th test sample does not use.
   */
  readonly split: 'train' | 'validation' | 'test';
  /** With split `'test'`: every k-th test sample (the evaluated ones) was left out. */
  readonly leftOutEvery?: number;
  readonly samples: number;
  readonly T: number;
  /** The ANN's accuracy on the same samples. */
  readonly annAccuracy: number;
  /** The accuracy the rule had to reach: `annAccuracy` minus the margin. */
  readonly target: number;
  /** The confidence with which the rule's accuracy on unseen samples is to reach the target (0.5: as measured). */
  readonly level: number;
  readonly accuracy: number | null;
  /** The lower confidence bound (at `level`) of the rule's accuracy: `annAccuracy` plus that of the paired difference. */
  readonly accuracyBound: number | null;
  readonly meanSteps: number | null;
  /** The fewest fixed steps at which the same SNN reaches the target with the same confidence (null if not within T). */
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

/** How a rule is chosen: the target's margin below the ANN and the confidence of reaching it. */
export interface ExitTarget {
  /** The rule must reach the ANN's accuracy on the same samples minus this. */
  readonly margin: number;
  /** The confidence with which it must (`pairedLowerBound`); 0.5 takes the measured accuracy as it is. */
  readonly level: number;
}

/** A converted SNN to choose an exit rule for. */
export interface ExitChoiceSnn {
  readonly network: Network;
  readonly lambdas: ReadonlyMap<string, number | Float32Array>;
  readonly neuron: NeuronConfig;
}

/** How the choice's one simulation runs. */
export interface ExitChoiceRun {
  readonly runner: Runner;
  /** T: the steps simulated, the longest budget a rule may have. */
  readonly steps: number;
  readonly chunk?: number;
  readonly batchSize?: number;
  readonly workers?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Simulates `snn` on the first `samples` of `data` and chooses its exit rule among those that read the readout
 * through each of `decays` (`chooseOnRecord`). The oracle is the plain sum's.
 */
export async function chooseExit(
  snn: ExitChoiceSnn,
  data: TuningData,
  samples: number,
  target: ExitTarget,
  run: ExitChoiceRun,
  decays: readonly number[] = EXIT_DECAYS,
): Promise<ExitChoice> {
  const outputs = decays.some((d) => d !== 1) && samples * run.steps * data.classes <= MAX_RECORDED_OUTPUTS;
  const result = await simulate(snn.network, new Map(snn.lambdas), data.slice(0, samples), run.runner, {
    steps: run.steps,
    dynamics: neuronDynamics(snn.neuron),
    chunk: run.chunk,
    batchSize: run.batchSize,
    workers: run.workers,
    compareWithAnn: false,
    recordReadout: true,
    recordOutputs: outputs,
    onProgress: run.onProgress,
  });
  const split = data.arrays.dataset.split;
  return {
    split: split === 'validation' || split === 'test' ? split : 'train',
    samples,
    T: run.steps,
    ...chooseOnRecord(result.readoutRecord!, data.annCorrect.subarray(0, samples), target, outputs ? decays : [1]),
  };
}

/**
 * The choice on a run's record (with its outputs where `decays` holds more than the plain sum): the rule with the
 * fewest mean steps, among the sweeps of every readout decay, whose accuracy reaches the target with confidence
 * `target.level` against the ANN's answers `annCorrect` on the same samples, if it needs fewer mean steps than
 * the fixed T that does.
 */
export function chooseOnRecord(
  record: ReadoutRecord,
  annCorrect: Uint8Array,
  target: ExitTarget,
  decays: readonly number[],
): Omit<ExitChoice, 'split' | 'samples' | 'T'> {
  const annAccuracy = annCorrect.reduce((a, b) => a + b, 0) / annCorrect.length;
  const bound = (correct: Uint8Array) => pairedLowerBound(correct, annCorrect, target.level);
  const holds = (correct: Uint8Array) => bound(correct) >= -target.margin - ACCURACY_COMPARISON_SLACK;
  const records = new Map(decays.map((d) => [d, d === 1 ? record : recordWithDecay(record, d)]));
  // the stopping policy is fitted on these samples too: 8 numbers on some hundred thousand sample-steps
  const points = [...records.values()].flatMap((r) => [...sweepExitRules(r), ...sweepSettledRules(r, fitSettledPolicy(r))]);
  const fixedSteps = fewestFixedSteps(record, holds);
  // cheapest first; a rule that needs as many mean steps as a fixed T saves nothing
  const candidates = points
    .filter((p) => p.accuracy >= annAccuracy - target.margin - ACCURACY_COMPARISON_SLACK && (fixedSteps === null || p.meanSteps < fixedSteps))
    .sort((a, b) => a.meanSteps - b.meanSteps || b.accuracy - a.accuracy);
  let best: { point: ExitPoint; bound: number } | undefined;
  for (const point of candidates) {
    const rule = parseExitRule(point.rule);
    const { correct } = exitDecisions(records.get(rule.decay ?? 1)!, rule);
    if (holds(correct)) {
      best = { point, bound: annAccuracy + bound(correct) };
      break;
    }
  }
  return {
    rule: best?.point.rule ?? null,
    annAccuracy,
    target: annAccuracy - target.margin,
    level: target.level,
    accuracy: best?.point.accuracy ?? null,
    accuracyBound: best?.bound ?? null,
    meanSteps: best?.point.meanSteps ?? null,
    fixedSteps,
    oracle: exitOracle(record),
    front: paretoFront(points),
    decays,
  };
}

/** The fewest fixed steps t whose answers (every sample's after t steps) `holds` accepts (null if none up to T). */
function fewestFixedSteps(record: ReadoutRecord, holds: (correct: Uint8Array) => boolean): number | null {
  const T = record.steps;
  const correct = new Uint8Array(record.samples);
  for (let t = 1; t <= T; t++) {
    for (let i = 0; i < record.samples; i++) correct[i] = record.top[i * T + t - 1] === record.labels[i] ? 1 : 0;
    if (holds(correct)) return t;
  }
  return null;
}

/** Where and how `msat tune` chooses the exit rule (`TuneModelOptions.exitSplit`, `exitSamples`, …). */
export interface ExitChoiceOptions extends ExitTarget {
  /** The dataset folder (for the validation or test split). */
  readonly data: string;
  readonly exitSplit: 'auto' | 'train' | 'validation' | 'test';
  readonly exitSamples: number;
  /** With exit split `'test'`: the evaluation's stride, whose samples (every k-th from the first) are left out. */
  readonly evalEvery: number;
  readonly seed: number;
  /**
   * Steps simulated for the choice: the check horizon, so that a neuron that reaches the target only after the
   * search's T still gets a rule (a budget `max` up to this).
   */
  readonly steps: number;
}

/** The split `options.exitSplit` means for the tuning data (`'auto'`: validation where the dataset has one). */
export function exitSplitOf(options: Pick<ExitChoiceOptions, 'exitSplit' | 'data'>, data: TuningData): 'train' | 'validation' | 'test' {
  const hasValidation = hasValidationSplit(data.arrays.dataset.format);
  if (options.exitSplit === 'validation' && !hasValidation) {
    throw new MsatError(
      'TUNE_OPTIONS',
      `${options.data} has no validation split to choose the exit rule on; use the training samples (exit split train or auto) or the test samples an evaluation leaves out (test)`,
    );
  }
  return options.exitSplit === 'auto' ? (hasValidation ? 'validation' : 'train') : options.exitSplit;
}

/**
 * Chooses the tuned neuron's exit rule on the split `exitSplitOf` names: up to `exitSamples` validation samples,
 * or test samples other than every `evalEvery`-th (`chooseExitOnHeldOut`), or the first `finalSamples` tuning
 * samples.
 */
export async function chooseTunedExit(
  options: ExitChoiceOptions,
  ctx: EvaluationContext,
  config: TunedConfig,
  finalSamples: number,
  dataOptions: ModelDataOptions,
): Promise<ExitChoice> {
  const split = exitSplitOf(options, ctx.data);
  const snn = { network: ctx.network, lambdas: lambdaMap(ctx.space, config), neuron: config.neuron };
  const run = { runner: ctx.runner, steps: options.steps, chunk: ctx.chunk, batchSize: ctx.batchSize, workers: ctx.workers };
  if (split === 'train') return chooseExit(snn, ctx.data, finalSamples, options, run);
  return chooseExitOnHeldOut(snn, { ...options, exitSplit: split }, dataOptions, run);
}

/**
 * Reads up to `exitSamples` samples of the validation split, or of the test split other than every
 * `evalEvery`-th (seeded), and chooses `snn`'s exit rule on them.
 */
export async function chooseExitOnHeldOut(
  snn: ExitChoiceSnn,
  options: Omit<ExitChoiceOptions, 'exitSplit' | 'steps'> & { readonly exitSplit: 'validation' | 'test' },
  dataOptions: ModelDataOptions,
  run: ExitChoiceRun,
): Promise<ExitChoice> {
  const test = options.exitSplit === 'test';
  const heldOut = await loadTuningData({
    data: options.data,
    split: options.exitSplit,
    dataOptions,
    // the test samples an evaluation with --every evalEvery scores: all of positions 0, k, 2k, …
    calibrationSamples: test ? Number.MAX_SAFE_INTEGER : 0,
    calibrationEvery: test ? options.evalEvery : 1,
    samples: options.exitSamples,
    seed: options.seed,
    network: snn.network,
    runner: run.runner,
  });
  const choice = await chooseExit(snn, heldOut, heldOut.labels.length, options, run);
  return test ? { ...choice, leftOutEvery: options.evalEvery } : choice;
}
