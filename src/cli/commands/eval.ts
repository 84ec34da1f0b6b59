/** `msat eval --model M.onnx --data DIR ...`: the ANN's top-1 accuracy on a dataset. */
import type { Command } from 'commander';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import { parsePositiveInt } from '../parse.js';
import { createProgress } from '../progress.js';
import { parseShardFlag, SHARD_HELP } from '../shard-flag.js';

interface EvalFlags extends DatasetFlags {
  readonly model: string;
  readonly batch: number;
  readonly shard?: { index: number; count: number };
  readonly json?: boolean;
}

export function registerEval(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('eval')
    .description("measure the ANN's top-1 accuracy on a dataset")
    .requiredOption('--model <file>', 'ONNX model to evaluate');
  addDatasetFlags(command)
    .option('--batch <n>', 'samples per run', parsePositiveInt, 100)
    .option('--shard <K/N>', SHARD_HELP, parseShardFlag)
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: EvalFlags) => {
      const [{ formatShape, loadNetwork, textOptionsOfMetadata }, { openDataset, shardDataset }, { Runner }, { evaluateAnn, normalizationOf }] =
        await Promise.all([
          import('../../model/index.js'),
          import('../../data/index.js'),
          import('../../runtime/index.js'),
          import('../../ann/index.js'),
        ]);
      const network = await loadNetwork(flags.model);
      const fromModel = normalizationOf(network);
      const selected = await openDataset(flags.data, {
        split: flags.split,
        limit: flags.limit,
        every: flags.every,
        mean: flags.mean ?? fromModel?.mean,
        std: flags.std ?? fromModel?.std,
        // a model trained on other data says so in terms of shape, not of --mean
        ...(fromModel && (flags.mean === undefined || flags.std === undefined)
          ? { normalizationFrom: `${flags.model} (input ${formatShape(network.inputs[0].dims)})` }
          : {}),
        ...textOptionsOfMetadata(network.metadata),
      });
      const runner = new Runner(runnerOptions(globals()));
      const progress = createProgress('eval');
      // a shard's counts (correct, samples, nonFinite) add up to the whole run's
      const sharded = flags.shard && shardDataset(selected, flags.shard);
      const dataset = sharded ?? selected;
      try {
        const result = await evaluateAnn(network, dataset, runner, {
          batchSize: flags.batch,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.stop();
        const report = {
          model: flags.model,
          data: flags.data,
          format: dataset.format,
          split: dataset.split,
          accuracy: result.accuracy,
          samples: result.samples,
          correct: result.correct,
          nonFinite: result.nonFinite,
          ...(sharded ? { shard: { ...flags.shard!, ...sharded.range, total: selected.length } } : {}),
          seconds: result.seconds,
          samplesPerSecond: result.samplesPerSecond,
        };
        if (flags.json) {
          process.stdout.write(JSON.stringify(report) + '\n');
        } else {
          process.stdout.write(
            [
              `model     ${flags.model}`,
              `data      ${flags.data} (${dataset.format}, ${dataset.split}, ${result.samples} samples)` +
                (sharded
                  ? `, shard ${flags.shard!.index}/${flags.shard!.count}: samples ${sharded.range.first}…${sharded.range.first + sharded.range.samples - 1} of ${selected.length}`
                  : ''),
              `accuracy  ${(100 * result.accuracy).toFixed(2)} % (${result.correct} / ${result.samples})`,
              // a broken output scores as wrong; the count says how much of the accuracy is that
              ...(result.nonFinite > 0 ? [`non-finite ${result.nonFinite} samples gave NaN or infinite outputs (counted as wrong)`] : []),
              `time      ${result.seconds.toFixed(1)} s (${result.samplesPerSecond.toFixed(0)} samples/s)`,
            ].join('\n') + '\n',
          );
        }
      } finally {
        progress.stop();
        await runner.dispose();
      }
    });
}
