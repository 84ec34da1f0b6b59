/**
 * `msat choose-exit`: chooses an early-exit rule for an existing SNN file (from `msat convert --out` or
 * `msat tune --out`) on held-out samples, as `msat tune` does after its search, and writes it into a copy of the
 * file: a rule for a converted SNN without tuning, or a tuned file's rule chosen again on other samples.
 */
import type { Command } from 'commander';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import { addExitChoiceFlags, exitChosenOn, formatExitChoice, type ExitChoiceFlags } from '../exit-choice-flags.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { parseFraction, parseNonNegativeInt, parsePositiveInt } from '../parse.js';
import { createProgress } from '../progress.js';

interface ChooseExitFlags extends Omit<DatasetFlags, 'split' | 'limit' | 'every'>, ExitChoiceFlags<'validation' | 'test'> {
  readonly model: string;
  readonly snn: string;
  readonly margin: number;
  readonly steps: number;
  readonly seed: number;
  readonly chunk: number;
  readonly batch: number;
  readonly out?: string;
  readonly json?: boolean;
}

export function registerChooseExit(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('choose-exit')
    .description('choose an early-exit rule for an SNN file on held-out samples (as msat tune does) and write it into a copy of the file')
    .requiredOption('--model <file>', 'the ONNX model the SNN file was converted from')
    .requiredOption('--snn <file>', 'SNN file (msat convert --out, msat tune --out)');
  addExitChoiceFlags(addDatasetFlags(command, { split: false }), ['validation', 'test'], 'validation where there is one, else test')
    .option('--margin <m>', "the target: the ANN's accuracy on the same samples minus this (a fraction)", parseFraction, 0.01)
    .option('-T, --steps <n>', 'time steps simulated: the longest budget a rule may have', parsePositiveInt, 256)
    .option('--seed <s>', 'seed of the held-out samples drawn', parseNonNegativeInt, 0)
    .option('--chunk <k>', 'time steps per onnxruntime run', parsePositiveInt, 16)
    .option('--batch <n>', 'samples per simulator batch', parsePositiveInt, 64)
    .option('--out <file>', 'write the SNN file with the rule (options.exit) and where it was chosen (options.exitChosenOn)')
    .option('--json', 'print the choice as one JSON object on stdout')
    .action(async (flags: ChooseExitFlags) => {
      const [{ Runner }, { assertDistinctPaths }, { openDataset, hasValidationSplit }, pipeline, { readSnnFile, writeSnnFile }, tune, snn] =
        await Promise.all([
          import('../../runtime/index.js'),
          import('../../core/index.js'),
          import('../../data/index.js'),
          import('../../pipeline/index.js'),
          import('../../convert/index.js'),
          import('../../tune/index.js'),
          import('../../snn/index.js'),
        ]);
      if (flags.out !== undefined) assertDistinctPaths({ 'SNN file': flags.out }, { model: flags.model });
      const file = await readSnnFile(flags.snn);
      const defaults = pipeline.snnOptionsDefaults(file.options, flags.snn);
      const runner = new Runner(runnerOptions(globals()));
      const progress = createProgress('choose exit');
      try {
        const converted = await pipeline.convertModel({
          model: flags.model,
          mean: flags.mean ?? defaults.normalization.mean,
          std: flags.std ?? defaults.normalization.std,
          thresholds: { kind: 'snn-file', path: flags.snn },
          runner,
        });
        const split =
          flags.exitSplit !== 'auto'
            ? flags.exitSplit
            : hasValidationSplit((await openDataset(flags.data, { split: 'test', ...converted.dataOptions })).format)
              ? 'validation'
              : 'test';
        const choice = await tune.chooseExitOnHeldOut(
          { network: converted.network, lambdas: converted.lambdas, neuron: { ...snn.DEFAULT_NEURON_CONFIG, ...defaults.neuron } },
          {
            data: flags.data,
            exitSplit: split,
            exitSamples: flags.exitSamples,
            evalEvery: flags.evalEvery,
            seed: flags.seed,
            margin: flags.margin,
            level: flags.exitLevel,
          },
          converted.dataOptions,
          { runner, steps: flags.steps, chunk: flags.chunk, batchSize: flags.batch, workers: globals().workers, onProgress: progress.update },
        );
        progress.stop();
        if (flags.out !== undefined) {
          const { exit: _old, exitChosenOn: _where, ...rest } = file.options;
          const options = choice.rule ? { ...rest, exit: choice.rule, exitChosenOn: exitChosenOn(choice) } : rest;
          await writeSnnFile(flags.out, { ...file, options });
        }
        process.stdout.write(
          flags.json ? `${JSON.stringify(choice)}\n` : `${formatExitChoice(choice, flags.snn, flags.out ?? 'no file (give --out)')}\n`,
        );
      } finally {
        progress.stop();
        await runner.dispose();
      }
    });
}
