/**
 * The neuron configuration and normalisation an SNN file records (`msat convert`, `msat tune`), as defaults
 * for simulating it: a tuned file brings its hyper-parameters with it, and explicit options override them.
 *
 * The file's options are checked when it is read (`snnFileSchema` in `convert`: every field's type and
 * range, unknown neuron fields refused, a recorded neuron whole); the converter's name is checked here, against
 * the snn layer's `METHODS`, which `convert` may not import. A hand-edited or damaged file is an `SNN_FILE`
 * error naming the file and the field, never a silently different configuration.
 */
import { MsatError, everyKth } from '../core/index.js';
import { readSnnFile } from '../convert/index.js';
import { isMsatError } from '../core/index.js';
import { METHODS, parseExitRule, type ExitRule, type Method, type NeuronConfig } from '../snn/index.js';

export interface SnnFileDefaults {
  readonly neuron: Partial<NeuronConfig>;
  readonly normalization: { readonly mean?: number[]; readonly std?: number[] };
  /** The early-exit rule the file records (a tuned file's), if any. */
  readonly exit?: ExitRule;
  /** Where that rule was chosen (`msat tune`). */
  readonly exitChosenOn?: NonNullable<CheckedOptions['exitChosenOn']>;
}

/** `SnnFile.options` as `readSnnFile` returns them (`SnnFileOptions`), checked. */
type CheckedOptions = Awaited<ReturnType<typeof readSnnFile>>['options'];

/**
 * Reads `path` and returns the neuron fields and normalisation of its options (fields it lacks are left out).
 * @throws MsatError `SNN_FILE` naming `path` and the field when a field is malformed (e.g. `options.neuron.gamma`).
 */
export async function snnFileDefaults(path: string): Promise<SnnFileDefaults> {
  return snnOptionsDefaults((await readSnnFile(path)).options, path);
}

/**
 * The defaults of options already checked by `snnFileSchema`; `path` names the file in errors.
 * @throws MsatError `SNN_FILE` when `options.neuron.method` is not one of `METHODS`.
 */
export function snnOptionsDefaults(options: CheckedOptions, path: string): SnnFileDefaults {
  const { mean, std } = options.normalization ?? {};
  return {
    neuron: neuronDefaults(options.neuron, path),
    normalization: { mean: mean && [...mean], std: std && [...std] },
    ...(options.exit !== undefined ? { exit: exitDefault(options.exit, path) } : {}),
    ...(options.exitChosenOn !== undefined ? { exitChosenOn: { ...options.exitChosenOn } } : {}),
  };
}

/**
 * Refuses to score the SNN file's exit rule on test samples it was chosen on: a rule chosen on the test samples
 * besides every k-th may be evaluated on every m-th only where m is a multiple of k (those were left out).
 * @throws MsatError `SNN_OPTIONS` naming the file and both strides.
 */
export function checkExitHoldout(defaults: SnnFileDefaults, path: string, every: number): void {
  const chosen = defaults.exitChosenOn;
  if (chosen?.split !== 'test' || chosen.leftOutEvery === undefined || every % chosen.leftOutEvery === 0) return;
  throw new MsatError(
    'SNN_OPTIONS',
    `${path}: its exit rule was chosen on test samples besides ${everyKth(chosen.leftOutEvery)}; ${everyKth(every)} would score samples it was chosen on (use --every ${chosen.leftOutEvery} or a multiple)`,
  );
}

function exitDefault(text: string, path: string): ExitRule {
  try {
    return parseExitRule(text);
  } catch (e) {
    if (!isMsatError(e)) throw e;
    throw new MsatError('SNN_FILE', `${path}: options.exit: ${e.message}`);
  }
}

/** The recorded converter (the schema made sure the fields its method uses are there), or none. */
function neuronDefaults(n: CheckedOptions['neuron'], path: string): Partial<NeuronConfig> {
  if (n === undefined) return {};
  if (!(METHODS as readonly string[]).includes(n.method)) {
    throw new MsatError('SNN_FILE', `${path}: options.neuron.method: expected one of ${METHODS.join(', ')}, got ${JSON.stringify(n.method)}`);
  }
  return {
    method: n.method as Method,
    ...(n.k !== undefined ? { k: n.k } : {}),
    ...(n.hp !== undefined ? { hp: { ...n.hp } } : {}),
    gamma: n.gamma,
    reset: n.reset,
  };
}
