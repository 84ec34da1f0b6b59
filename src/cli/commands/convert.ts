/** `msat convert`: calibrate and plan a conversion, print the coverage report, write the SNN file. */
import type { Command } from 'commander';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { addCalibrationFlags, addNeuronFlags, calibrationOptions, neuronConfig, type CalibrationFlags, type NeuronFlags } from '../neuron-flags.js';
import { createProgress } from '../progress.js';

interface ConvertFlags extends Omit<DatasetFlags, 'split' | 'limit' | 'every'>, CalibrationFlags, NeuronFlags {
  readonly model: string;
  readonly out?: string;
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
    .option('--out <file>', 'SNN file to write (JSON)')
    .option('--json', 'print the SNN file on stdout instead of the coverage report')
    .action(async (flags: ConvertFlags, cmd: Command) => {
      if (flags.out === undefined && !flags.json) cmd.error('error: give --out <file> (the SNN file to write), --json (print it), or both');
      const [{ convert }, { assertDistinctPaths }] = await Promise.all([import('../../index.js'), import('../../core/index.js')]);
      assertDistinctPaths({ 'SNN file': flags.out }, { model: flags.model }); // before calibrating, not after
      const progress = createProgress('calibrate');
      const snn = await convert(flags.model, {
        calibration: calibrationOptions(flags, flags.data),
        neuron: neuronConfig(flags),
        mean: flags.mean,
        std: flags.std,
        ...runnerOptions(globals()),
        onProgress: (done, total) => progress.update(done, total),
      }).finally(() => progress.stop());
      try {
        const command = ['msat', ...process.argv.slice(2)].join(' ');
        if (flags.out !== undefined) await snn.save(flags.out, { command });
        process.stdout.write(flags.json ? JSON.stringify(snn.snnFile({ command })) + '\n' : `${snn.coverage}\n\nwrote ${flags.out}\n`);
      } finally {
        await snn.dispose();
      }
    });
}
