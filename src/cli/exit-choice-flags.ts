/**
 * The early-exit rule's choice on the command line, shared by `msat tune` (after its search) and `msat choose-exit`:
 * its flags, its one-line summary and what the SNN file records of it.
 */
import type { Command } from 'commander';
import type { ExitChoice, TunedSnnOptions } from '../tune/index.js';
import { everyKth } from '../core/index.js';
import { parseConfidenceLevel, parseOneOf, parsePositiveInt, parseStride } from './parse.js';

/** What `addExitChoiceFlags` adds. */
export interface ExitChoiceFlags<Split extends string> {
  readonly exitSplit: Split | 'auto';
  readonly exitSamples: number;
  readonly evalEvery: number;
  readonly exitLevel: number;
}

/** `--exit-split` (one of `splits`, or `auto`: `autoMeans`), `--exit-samples`, `--eval-every`, `--exit-level`. */
export function addExitChoiceFlags(command: Command, splits: readonly string[], autoMeans: string): Command {
  const meaning: Record<string, string> = {
    validation: "validation (the dataset's validation split)",
    train: 'train (the held-out tuning samples)',
    test: 'test (the test samples that --every of --eval-every leaves out)',
  };
  return command
    .option(
      '--exit-split <split>',
      `choose the exit rule on: ${splits.map((s) => meaning[s]).join(', ')} or auto (${autoMeans})`,
      parseOneOf(['auto', ...splits]),
      'auto',
    )
    .option('--exit-samples <n>', 'validation or test samples the exit rule is chosen on (at most what the split lends)', parsePositiveInt, 2000)
    .option('--eval-every <k>', 'with --exit-split test: the evaluation takes every k-th test sample; the choice uses the others', parseStride, 10)
    .option(
      '--exit-level <p>',
      "confidence that the chosen rule's accuracy on unseen samples reaches the target (a lower confidence bound against the ANN; 0.5: as measured)",
      parseConfidenceLevel,
      0.9,
    );
}

/** One line: the rule chosen for `subject` and what it gave, or why none was; `file`: where it is recorded. */
export function formatExitChoice(e: ExitChoice, subject: string, file: string): string {
  const percent = (x: number) => (100 * x).toFixed(2);
  if (!e.rule)
    return `early exit: no rule reaches ${percent(e.target)} % within T = ${e.T} on ${exitSamplesText(e)} in fewer mean steps than a fixed T (${e.fixedSteps ?? `> ${e.T}`}); none recorded`;
  const sure = e.level > 0.5 ? `; ${percent(e.accuracyBound!)} % or more with confidence ${e.level}` : '';
  return (
    `early exit for ${subject}, chosen on ${exitSamplesText(e)}: --exit ${e.rule} reaches ${percent(e.accuracy!)} % (ANN ${percent(e.annAccuracy)} % − ${(100 * (e.annAccuracy - e.target)).toFixed(1)} % = ${percent(e.target)} %${sure})` +
    ` after ${e.meanSteps!.toFixed(1)} steps on average (fixed T: ${e.fixedSteps ?? `> ${e.T}`}; oracle ${e.oracle.meanSteps.toFixed(1)}); recorded in ${file}, run it with msat simulate --snn FILE --exit snn`
  );
}

/** Where the exit rule was chosen, for the SNN file. */
export function exitChosenOn(e: ExitChoice): NonNullable<TunedSnnOptions['exitChosenOn']> {
  return { split: e.split, ...(e.leftOutEvery !== undefined ? { leftOutEvery: e.leftOutEvery } : {}), samples: e.samples, level: e.level };
}

/** "432 held-out training samples", "1000 validation samples" or "2000 test samples besides every 10th". */
function exitSamplesText(e: { split: 'train' | 'validation' | 'test'; samples: number; leftOutEvery?: number }): string {
  if (e.split === 'test') return `${e.samples} test samples besides ${everyKth(e.leftOutEvery!)}`;
  return e.split === 'validation' ? `${e.samples} validation samples` : `${e.samples} held-out training samples`;
}
