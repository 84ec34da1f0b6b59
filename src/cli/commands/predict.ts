/**
 * `msat predict --model M.onnx --input FILE [--mean .. --std ..] [--top 5] [--json]`: the ANN's most likely
 * classes for one image (`.png`, `.jpg`) or one `.wav` clip (through the speech front-end, giving the Speech
 * Commands spectrogram image), with softmax probabilities. Class names come from the model's `msat.classes`
 * metadata (written by `msat train`), else the output index is the name.
 */
import type { Command } from 'commander';
import { MsatError } from '../../core/index.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { parseNumberList, parsePositiveInt } from '../parse.js';

interface PredictFlags {
  readonly model: string;
  readonly input: string;
  readonly mean?: number[];
  readonly std?: number[];
  readonly top: number;
  readonly json?: boolean;
}

/** One ranked class. */
interface Prediction {
  readonly index: number;
  readonly name: string;
  readonly probability: number;
}

/** Softmax of logits, computed in double precision after subtracting the maximum (no overflow). */
function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const p = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sum = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / sum);
}

export function registerPredict(program: Command, globals: () => GlobalOptions): void {
  program
    .command('predict')
    .description("the ANN's top classes for one image (.png, .jpg) or one 16 kHz mono 16-bit .wav clip, with probabilities")
    .requiredOption('--model <file>', 'ONNX model (image input [N, C, H, W]; for .wav: [N, 1, 98, 40], a Speech Commands model)')
    .requiredOption('--input <file>', 'image or .wav file')
    .option('--mean <list>', "per-channel mean subtracted after scaling pixels to [0, 1] (default: the model's metadata, else 0)", parseNumberList)
    .option('--std <list>', "per-channel std divided by (default: the model's metadata, else 1)", parseNumberList)
    .option('--top <k>', '[number] classes to print', parsePositiveInt, 5)
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: PredictFlags) => {
      const [{ loadNetwork, readModelMetadata }, { readInputFile }, { Runner }, { annSession, normalizationOf }] = await Promise.all([
        import('../../model/index.js'),
        import('../../data/index.js'),
        import('../../runtime/index.js'),
        import('../../ann/index.js'),
      ]);
      const network = await loadNetwork(flags.model);
      const input = network.inputs[0];
      const [, channels, height, width] = input.dims;
      if (input.type !== 'float32' || input.dims.length !== 4 || (channels !== 1 && channels !== 3)) {
        throw new MsatError(
          'PREDICT_INPUT',
          `${flags.model}: input ${input.name} is ${input.type} [${input.dims.join(', ')}]; predict needs an image model with float32 [N, 1|3, H, W] input`,
        );
      }
      const fromModel = normalizationOf(network);
      const sample = await readInputFile(flags.input, {
        channels,
        mean: flags.mean ?? fromModel?.mean,
        std: flags.std ?? fromModel?.std,
      });
      if (sample.dims[0] !== channels || sample.dims[1] !== height || sample.dims[2] !== width) {
        throw new MsatError(
          'DATA_SHAPE',
          `${flags.input} gives a [${sample.dims.join(', ')}] sample but ${flags.model} takes [${channels}, ${height}, ${width}]; ` +
            'resize the image to the model input (or, for .wav, use a Speech Commands model, which takes [1, 98, 40])',
        );
      }
      const runner = new Runner(runnerOptions(globals()));
      try {
        const session = await annSession(network, runner);
        const logits = await session.forward({ type: 'float32', dims: [1, ...sample.dims], data: sample.data });
        const probabilities = softmax(logits.data);
        const names = classNamesOf(readModelMetadata(network, flags.model, ['classes']).classes, probabilities.length, flags.model);
        const ranked: Prediction[] = Array.from(probabilities, (probability, index) => ({ index, name: names[index], probability }))
          .sort((a, b) => b.probability - a.probability || a.index - b.index)
          .slice(0, flags.top);
        if (flags.json) {
          process.stdout.write(JSON.stringify({ model: flags.model, input: flags.input, top: ranked }) + '\n');
        } else {
          const width = Math.max(5, ...ranked.map((p) => p.name.length));
          process.stdout.write(
            [
              `model  ${flags.model}`,
              `input  ${flags.input}`,
              ...ranked.map((p, r) => `${String(r + 1).padStart(2)}. ${p.name.padEnd(width)}  ${(100 * p.probability).toFixed(2).padStart(6)} %`),
            ].join('\n') + '\n',
          );
        }
      } finally {
        await runner.dispose();
      }
    });
}

/** Names of the `count` outputs: the model's `msat.classes` (parsed by `readModelMetadata`), else the indices. */
function classNamesOf(classes: readonly string[] | undefined, count: number, model: string): string[] {
  if (classes === undefined) return Array.from({ length: count }, (_, i) => String(i));
  if (classes.length !== count) {
    throw new MsatError(
      'MODEL_METADATA',
      `${model}: metadata msat.classes must be a JSON array of ${count} strings (one per output), got ${classes.length} names`,
    );
  }
  return [...classes];
}
