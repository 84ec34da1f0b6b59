/**
 * The calibrated ANN an SNN approximates, as an ONNX model: the batch-norm folded network (what the simulator
 * converts, layer for layer), with the thresholds λ in its metadata (`msat.lambdas`, JSON: relu layer name → λ,
 * a number or one per channel), so the rate-coded SNN can be compared with it outside msat.
 */
import { exportOnnx } from '../model/index.js';
import type { OnnxModel } from '../onnx/index.js';
import type { SnnDefinition } from './snn-definition.js';

/** The folded ANN of `snn`, with λ recorded in the metadata. */
export function annOnnxModel(snn: Pick<SnnDefinition, 'network' | 'lambdas'>): OnnxModel {
  const model = exportOnnx(snn.network);
  const lambdas = Object.fromEntries([...snn.lambdas].map(([layer, l]) => [layer, typeof l === 'number' ? l : [...l]]));
  return { ...model, metadata: { ...model.metadata, 'msat.lambdas': JSON.stringify(lambdas) } };
}
