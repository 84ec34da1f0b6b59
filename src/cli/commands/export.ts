/** `msat export`: a converted SNN (an SNN file) out of msat, as a stateful ONNX model, its ANN, or NIR. */
import { type Command, Option } from 'commander';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { addNeuronFlags, neuronConfig, type NeuronFlags } from '../neuron-flags.js';
import { parseNumberList, parsePositiveInt } from '../parse.js';

interface ExportFlags extends NeuronFlags {
  readonly snn: string;
  readonly model?: string;
  readonly format: 'onnx' | 'onnx-ann' | 'nir';
  readonly out: string;
  readonly stepsPerCall: number;
  readonly encoding: 'direct' | 'poisson';
  readonly sc?: number[];
}

const FORMATS_HELP = `
Formats:
  onnx      the SNN as one stateful ONNX model that any onnxruntime runs: inputs are the normalised input and
            every state tensor, outputs each step's readout and the next state (contract in the model's
            metadata "msat.snn" and in README). Every converter msat simulates is exported.
  onnx-ann  the batch-norm folded ANN the SNN approximates, with λ in its metadata ("msat.lambdas").
  nir       NIR (HDF5) for neuromorphic toolchains. Exportable: θ = k·λ (--method const) with γ = 1 and
            --reset hard; conv, linear, average pooling, flatten, residual adds. Refused with a message naming
            the layer: MSAT thresholds (dtt, det, msat), burst γ > 1, max-pooling (LIPool), spike confidence.
`;

export function registerExport(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('export')
    .description('write a converted SNN (from `msat convert --out` or `msat tune --out`) as a stateful ONNX model, its ANN, or NIR')
    .requiredOption('--snn <file>', 'SNN file')
    .option('--model <file>', 'the ONNX model it was converted from (default: the path the SNN file records)')
    .addOption(new Option('--format <f>', 'output format').choices(['onnx', 'onnx-ann', 'nir']).default('onnx'))
    .requiredOption('--out <file>', 'file to write')
    .option('--steps-per-call <k>', 'onnx: time steps per call of the model', parsePositiveInt, 1)
    .addOption(
      new Option('--encoding <e>', 'onnx: input encoding (poisson: uniform noise is an input)').choices(['direct', 'poisson']).default('direct'),
    )
    .option('--sc <list>', 'onnx: spike confidence, one value per spiking layer (each such layer takes a 0/1 keep-mask input)', parseNumberList);
  addNeuronFlags(command)
    .addHelpText('after', FORMATS_HELP)
    .action(async (flags: ExportFlags, cmd: Command) => {
      const { ConvertedSnn } = await import('../../index.js');
      // the SNN file's converter is the default; neuron flags given on the command line override it
      const neuron = Object.fromEntries(Object.entries(neuronConfig(flags)).filter(([k]) => cmd.getOptionValueSource(k) === 'cli'));
      const snn = await ConvertedSnn.load(flags.snn, { model: flags.model, ...runnerOptions(globals()) });
      try {
        const sc = flags.sc;
        const spiking = snn.plan.spiking.map((s) => s.name);
        if (sc && sc.length !== spiking.length) {
          cmd.error(`error: --sc gives ${sc.length} values for ${spiking.length} spiking layers (${spiking.join(', ')})`, {
            exitCode: 2,
            code: 'msat.usage',
          });
        }
        await snn.export(flags.out, {
          format: flags.format,
          neuron,
          stepsPerCall: flags.stepsPerCall,
          encoding: flags.encoding,
          ...(sc ? { confidence: new Map(spiking.map((layer, i) => [layer, sc[i]])) } : {}),
        });
        process.stdout.write(`wrote ${flags.out} (${flags.format})\n`);
      } finally {
        await snn.dispose();
      }
    });
}
