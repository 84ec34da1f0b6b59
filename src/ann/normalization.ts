/**
 * The input normalisation a model was trained with, when its ONNX metadata records it (msat's trainer writes
 * `msat.mean` and `msat.std`, see `model/metadata.ts`), so `eval` and `simulate` need no `--mean/--std` for such models.
 */
import { readModelMetadata, type Network } from '../model/index.js';

export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * The normalisation in `network.metadata`, or undefined when the model does not record both halves.
 * @throws MsatError `MODEL_METADATA` when `msat.mean` or `msat.std` is present but not a JSON array of numbers.
 */
export function normalizationOf(network: Network): Normalization | undefined {
  const { mean, std } = readModelMetadata(network, network.source, ['mean', 'std']);
  return mean === undefined || std === undefined ? undefined : { mean, std };
}
