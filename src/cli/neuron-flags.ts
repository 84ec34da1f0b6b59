/** Calibration and neuron flags shared by `convert` and `simulate`, and the library options they become. */
import { type Command, Option } from 'commander';
import type { CalibrationOptions } from '../index.js';
import { parseHyperParams, type NeuronConfig } from '../snn/index.js';
import { parseHyperParamList, parsePercentile, parsePositiveInt, parsePositiveIntOrAuto, parsePositiveNumber } from './parse.js';

export interface CalibrationFlags {
  readonly calibSamples: number;
  readonly calibEvery: number | 'auto';
  readonly percentile: number;
  readonly channelWise?: boolean;
}

export interface NeuronFlags {
  readonly method: NeuronConfig['method'];
  readonly k: number;
  readonly hp?: string;
  readonly gamma: number;
  readonly reset: NeuronConfig['reset'];
}

/** Help of `--calib-every` (convert, simulate, tune, experiment). */
export const CALIB_EVERY_HELP =
  'calibrate on training samples 0, k, 2k, …; auto: k = training samples ÷ N, spread over the whole split (folders are stored class by class)';

export function addCalibrationFlags(command: Command): Command {
  return command
    .option('--calib-samples <n>', 'calibrate λ on N training samples', parsePositiveInt, 200)
    .option('--calib-every <k>', CALIB_EVERY_HELP, parsePositiveIntOrAuto, 'auto')
    .option('--percentile <p>', 'λ = p-th percentile of each ReLU output, p in (0, 1]; 1 = max', parsePercentile, 1)
    .option('--channel-wise', 'one λ per channel instead of per layer');
}

export function addNeuronFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--method <m>', 'const: θ = k·λ; dtt, det, msat (= DTT+DET): adaptive thresholds')
        .choices(['const', 'dtt', 'det', 'msat'])
        .default('msat'),
    )
    .option('--k <k>', 'threshold scale of --method const', parsePositiveNumber, 1)
    .option('--hp <list>', "MSAT hyper-parameters alpha,ka,ki,C,taump,taurd (default: the authors' VGG values 0.03,1,1,5,1,1)", parseHyperParamList)
    .option('--gamma <n>', 'max spikes per neuron per step (1 = IF, > 1 = burst)', parsePositiveInt, 1)
    .addOption(new Option('--reset <r>', 'reset after a spike').choices(['soft', 'hard']).default('soft'));
}

/** The library's `calibration` option of `convert`: λ from these flags' samples of `data`. */
export function calibrationOptions(flags: CalibrationFlags, data: string): CalibrationOptions {
  return { data, samples: flags.calibSamples, every: flags.calibEvery, percentile: flags.percentile, channelWise: flags.channelWise ?? false };
}

export function neuronConfig(flags: NeuronFlags): Partial<NeuronConfig> {
  return {
    method: flags.method,
    k: flags.k,
    gamma: flags.gamma,
    reset: flags.reset,
    ...(flags.hp ? { hp: parseHyperParams(flags.hp) } : {}),
  };
}
