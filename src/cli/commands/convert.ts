/** `msat convert`: calibrate and plan a conversion, print the coverage report, write the SNN file. */
import type { Command } from 'commander';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import type { GlobalOptions } from '../global-options.js';
import { addCalibrationFlags, addNeuronFlags, neuronConfig, thresholdSource, type CalibrationFlags, type NeuronFlags } from '../neuron-flags.js';
import { createProgress } from '../progress.js';

interface ConvertFlags extends Omit<DatasetFlags, 'split' | 'limit' | 'every'>, CalibrationFlags, NeuronFlags {
  readonly model: string;
  readonly out: string;
  readonly json?: boolean;
}

export function registerConvert(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('convert')
    .description('calibrate thresholds on training data, fold batch-norm, plan the conversion and write the SNN file')
    .requiredOption('--model <file>', 'ONNX model (ReLU network)');
  addDatasetFlags(command, { split: false });
  addCalibrationFlags(command);
  addNeuronFlags(command)
    .requiredOption('--out <file>', 'SNN file to write (JSON)')
    .option('--json', 'print the SNN file on stdout instead of the coverage report')
    .action(async (flags: ConvertFlags) => {
      const [{ Runner }, { convertModel, DEFAULT_NEURON_CONFIG, neuronDynamics }, { createSnnFile, writeSnnFile }] = await Promise.all([
        import('../../runtime/index.js'),
        import('../../pipeline/index.js'),
        import('../../convert/index.js'),
      ]);
      const runner = new Runner({ threads: globals().threads });
      const progress = createProgress('calibrate');
      try {
        const neuron = { ...DEFAULT_NEURON_CONFIG, ...neuronConfig(flags) };
        neuronDynamics(neuron); // validates the flags before the long part
        const thresholds = thresholdSource(flags);
        const converted = await convertModel({
          model: flags.model,
          data: flags.data,
          mean: flags.mean,
          std: flags.std,
          thresholds,
          runner,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.stop();
        const doc = createSnnFile({
          model: { path: flags.model, sha256: converted.modelSha256 },
          calibration: converted.calibration,
          plan: converted.plan,
          options: { neuron, normalization: converted.dataOptions, thresholds: { ...thresholds, every: converted.calibrationEvery } },
          provenance: {
            msatVersion: program.version() ?? 'unknown',
            createdAt: new Date().toISOString(),
            command: ['msat', ...process.argv.slice(2)].join(' '),
            dataset: { path: flags.data, split: 'train', samples: converted.calibration.samples, every: converted.calibrationEvery },
          },
        });
        await writeSnnFile(flags.out, doc);
        process.stdout.write(flags.json ? JSON.stringify(doc) + '\n' : `${converted.coverage}\n\nwrote ${flags.out}\n`);
      } finally {
        progress.stop();
        await runner.dispose();
      }
    });
}
