/**
 * `msat experiment <preset>`: one of the paper's set-ups end to end (model, data, every converter on the same
 * weights and thresholds), resumable, with provenance; prints the table and writes `<out>/table.md`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MsatError } from '../../core/index.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { CALIB_EVERY_HELP } from '../neuron-flags.js';
import { parsePositiveInt, parsePositiveIntOrAuto } from '../parse.js';
import { converterStage, createStagedProgress } from '../progress.js';
import { parseShardFlag, SHARD_HELP } from '../shard-flag.js';

interface ExperimentFlags {
  readonly steps: number;
  readonly every?: number;
  readonly limit?: number;
  readonly shard?: { index: number; count: number };
  readonly out?: string;
  readonly model?: string;
  readonly data?: string;
  readonly converters?: string;
  readonly tuned?: string;
  readonly calibSamples?: number;
  readonly calibEvery?: number | 'auto';
  readonly train?: boolean;
  readonly list?: boolean;
}

export function registerExperiment(program: Command, globals: () => GlobalOptions): void {
  program
    .command('experiment')
    .argument('[preset]', 'cifar10-vgg16 | cifar10-resnet20 | imdb-textcnn | speech-commands-cnn | mnist-cnn')
    .description(
      "run one of the paper's experiments: every converter (θ = λ, θ = 0.5·λ, DTT, DET, DTT+DET, + spike confidence) on the same ANN; resumable",
    )
    .option('-T, --steps <n>', 'time steps (also --T)', parsePositiveInt, 256)
    .option('--every <k>', "every k-th test sample (default: the preset's subset)", parsePositiveInt)
    .option('--limit <n>', 'first N samples of that subset', parsePositiveInt)
    .option('--shard <K/N>', SHARD_HELP, parseShardFlag)
    .option('--out <dir>', 'results folder (default: results/<preset>, with --shard results/<preset>/shard-K-of-N)')
    .option('--model <file>', "ONNX model (default: the preset's model in models/)")
    .option('--data <dir>', "dataset folder (default: the preset's)")
    .option('--converters <ids>', 'comma-separated subset: const-1,const-0.5,dtt,det,msat,msat-sc (and tuned)')
    .option('--tuned <file>', 'also run the converter "tuned": the SNN file `msat tune` wrote for this model')
    .option('--calib-samples <n>', 'calibrate λ on N training samples (default: 200)', parsePositiveInt)
    .option('--calib-every <k>', `${CALIB_EVERY_HELP} (default: auto)`, parsePositiveIntOrAuto)
    .option('--train', 'train the model first if it does not exist (resumable; can take hours)')
    .option('--list', 'list the presets and exit')
    .action(async (name: string | undefined, flags: ExperimentFlags) => {
      const [{ Runner }, experiment] = await Promise.all([import('../../runtime/index.js'), import('../../experiment/index.js')]);
      if (flags.list || name === undefined) {
        for (const p of experiment.PRESETS) process.stdout.write(`${p.name.padEnd(22)} ${p.description}\n`);
        return;
      }
      const preset = experiment.findPreset(name);
      const out = flags.out ?? join('results', preset.name, ...(flags.shard ? [`shard-${flags.shard.index}-of-${flags.shard.count}`] : []));
      const { path: model } = experiment.presetModel(preset, flags.model);
      if (!existsSync(model) && flags.train) trainPresetModel(experiment.trainingRuns(preset, model, join(out, 'train')), model);
      const runner = new Runner(runnerOptions(globals()));
      const progress = createStagedProgress(24);
      try {
        const results = await experiment.runExperiment({
          preset,
          out,
          model: flags.model,
          data: flags.data,
          steps: flags.steps,
          every: flags.every,
          limit: flags.limit,
          shard: flags.shard,
          calibrationSamples: flags.calibSamples,
          calibrationEvery: flags.calibEvery,
          converters: flags.converters?.split(',').map((s) => s.trim()),
          tuned: flags.tuned,
          workers: globals().workers,
          runner,
          command: ['msat', ...process.argv.slice(2)].join(' '),
          onProgress: (converter, stage, done, total) => progress.update(converterStage(converter, stage), done, total),
          onConverter: (run) => {
            progress.stop();
            const r = run.report;
            process.stderr.write(
              `${run.converter.label}: best ${(100 * r.bestAccuracy).toFixed(2)} %, ANN−1 % at ${r.stepsToAnnMinus1 ?? 'never'} (${r.seconds.toFixed(0)} s)\n`,
            );
          },
        });
        const table = experiment.formatExperimentTable(results);
        const { writeFileAtomic } = await import('../../core/index.js');
        await writeFileAtomic(join(out, 'table.md'), `${table}\n`);
        process.stdout.write(`${table}\n\nresults: ${join(out, 'results.json')}; render them with: msat report ${out}\n`);
      } finally {
        progress.stop();
        await runner.dispose();
      }
    });
}

/** Runs the preset's `msat train` runs in child processes, each resuming from its checkpoint folder if that holds one. */
function trainPresetModel(runs: readonly string[][], model: string): void {
  for (const argv of runs) {
    const checkpoints = argv[argv.indexOf('--checkpoint-dir') + 1];
    const resume = existsSync(join(checkpoints, 'checkpoint.json')) ? ['--resume', checkpoints] : [];
    process.stderr.write(`training ${model}: msat ${[...argv, ...resume].join(' ')}\n`);
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...argv, ...resume], { stdio: 'inherit' });
    if (child.status !== 0)
      throw new MsatError('EXPERIMENT_MODEL', `training ${model} failed (exit ${child.status ?? child.signal}); rerun with --train to resume`);
  }
}
