/** The flags of an early-exit rule's choice, shared by `msat tune` (after its search) and `msat choose-exit`. */
import { InvalidArgumentError, type Command } from 'commander';
import { parseOneOf, parsePositiveInt } from './parse.js';

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
      parseLevel,
      0.9,
    );
}

function parseStride(value: string): number {
  const k = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(k) || k < 2)
    throw new InvalidArgumentError(`expected an integer ≥ 2, got ${JSON.stringify(value)}`);
  return k;
}

function parseLevel(value: string): number {
  const p = Number(value);
  if (value.trim() === '' || !(p >= 0.5 && p < 1)) throw new InvalidArgumentError(`expected a confidence in [0.5, 1), got ${JSON.stringify(value)}`);
  return p;
}
