/** `loadModel`: an ONNX model (a file, or bytes in memory) imported into msat's network IR, with its SHA-256. */
import { modelFromBytes, readModel, type LoadedModel } from '../pipeline/index.js';

/**
 * Imports an ONNX model for `convert`. A path is read from disk; bytes are imported as they are (`name` labels
 * them in messages and files). Unsupported operators are an error that names the node and the operator.
 */
export async function loadModel(source: string | Uint8Array, options: { readonly name?: string } = {}): Promise<LoadedModel> {
  return typeof source === 'string' ? readModel(source) : modelFromBytes(source, options.name);
}
