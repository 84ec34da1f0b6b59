/**
 * `msat choose-exit`: chooses an early-exit rule for an existing SNN file (from `msat convert --out` or
 * `msat tune --out`) on held-out samples, as `msat tune` does after its search, and writes it into a copy of the
 * file: a rule for a converted SNN without tuning, or a tuned file's rule chosen again on other samples.
 */
import type { Command } from 'commander';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { parseFraction, parseIntInRange, parseNonNegativeInt, parseOneOf, parsePositiveInt } from '../parse.js';
import { createProgress } from '../progress.js';
import { exitChosenOn, formatExitChoice } from './tune.js';

interface ChooseExitFlags extends Omit<DatasetFlags, 'split' | 'limit' | 'every'> {
  readonly model: string;
  readonly snn: string;
  readonly exitSplit: 'auto' | 'validation' | 'test';
  readonly exitSamples: number;
  readonly evalEvery: number;
  readonly exitLevel: number;
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
  addDatasetFlags(command, { split: false })
    .option(
      '--exit-split <split>',
      "choose on: validation (the dataset's validation split), test (the test samples that --every of --eval-every leaves out) or auto (validation where there is one, else test)",
      parseOneOf(['auto', 'validation', 'test'] as const),
      'auto',
    )
    .option('--exit-samples <n>', 'samples the rule is chosen on (at most what the split lends)', parsePositiveInt, 2000)
    .option(
      '--eval-every <k>',
      'with --exit-split test: the evaluation takes every k-th test sample; the choice uses the others',
      parseIntInRange(2, Number.MAX_SAFE_INTEGER, 'at least 2'),
      10,
    )
    .option('--exit-level <p>', "confidence that the rule's accuracy on unseen samples reaches the target (0.5: as measured)", parseFraction, 0.9)
    .option('--margin <m>', "the target: the ANN's accuracy on the same samples minus this (a fraction)", parseFraction, 0.01)
    .option('-T, --steps <n>', 'time steps simulated: the longest budget a rule may have', parsePositiveInt, 256)
    .option('--seed <s>', 'seed of the held-out samples drawn', parseNonNegativeInt, 0)
    .option('--chunk <k>', 'time steps per onnxruntime run', parsePositiveInt, 16)
    .option('--batch <n>', 'samples per simulator batch', parsePositiveInt, 64)
    .option('--out <file>', 'write the SNN file with the rule (options.exit) and where it was chosen (options.exitChosenOn)')
    .option('--json', 'print the choice as one JSON object on stdout')
    .action(async (flags: ChooseExitFlags) => {
      const [
        { Runner },
        { MsatError, assertDistinctPaths },
        { openDataset, hasValidationSplit },
        pipeline,
        { readSnnFile, writeSnnFile },
        tune,
        snn,
      ] = await Promise.all([
        import('../../runtime/index.js'),
        import('../../core/index.js'),
        import('../../data/index.js'),
        import('../../pipeline/index.js'),
        import('../../convert/index.js'),
        import('../../tune/index.js'),
        import('../../snn/index.js'),
      ]);
      if (!(flags.exitLevel >= 0.5 && flags.exitLevel < 1))
        throw new MsatError('SNN_OPTIONS', `--exit-level must be in [0.5, 1), got ${flags.exitLevel}`);
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
