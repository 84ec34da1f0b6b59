/** `msat inspect --model M.onnx [--json]`: layers, shapes, parameters and MACs per layer. */
import type { Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';

interface InspectFlags {
  readonly model: string;
  readonly json?: boolean;
}

export function registerInspect(program: Command, globals: () => GlobalOptions): void {
  program
    .command('inspect')
    .description('print the layers of an ONNX model with output shapes, parameter counts and MACs per layer')
    .requiredOption('--model <file>', 'ONNX model to read')
    .option('--json', 'print one JSON object instead of the table')
    .action(async (flags: InspectFlags) => {
      void globals;
      const { loadNetwork, summarizeNetwork, formatSummary } = await import('../../model/index.js');
      const network = await loadNetwork(flags.model);
      const summary = summarizeNetwork(network);
      if (flags.json) {
        process.stdout.write(JSON.stringify({ model: flags.model, inputs: network.inputs, ...summary }) + '\n');
      } else {
        process.stdout.write(formatSummary(summary) + '\n');
      }
    });
}
