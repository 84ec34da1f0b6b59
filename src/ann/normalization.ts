/**
 * The input normalisation a model was trained with, when its ONNX metadata records it (msat's trainer writes
 * `msat.mean` and `msat.std` as JSON arrays), so `eval` and `simulate` need no `--mean/--std` for such models.
 */
import { MsatError } from '../core/errors.js';
import type { Network } from '../model/index.js';

export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The normalisation in `network.metadata`, or undefined when the model does not record one. */
export function normalizationOf(network: Network): Normalization | undefined {
  const mean = network.metadata['msat.mean'];
  const std = network.metadata['msat.std'];
  if (mean === undefined || std === undefined) return undefined;
  return { mean: parseList(network, 'msat.mean', mean), std: parseList(network, 'msat.std', std) };
}

function parseList(network: Network, key: string, text: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new MsatError('MODEL_METADATA', `${network.source}: metadata ${key} must be a JSON array of numbers, got ${JSON.stringify(text)}`);
  }
  return value;
}
