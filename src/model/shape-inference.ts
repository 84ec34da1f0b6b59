/**
 * Static shape inference over the IR with a symbolic batch dimension `'N'`. Pure functions: no I/O, no
 * onnxruntime. The importer uses them to fold PyTorch's shape glue (`Shape -> Gather -> ... -> Reshape`) and
 * to give every layer its `outShape`; later passes (calibration buffers, simulator state) size tensors from it.
 */
import type { Dim, LayerSpec, Shape } from './layer-types.js';
import { layerKindSpec } from './layers/index.js';

export { broadcastShapes, formatShape, normalizeAxis, resolveReshapeTarget, sizePerSample, windowOutputSize } from './shape-utils.js';

/**
 * The output shape of `layer` given the shapes of its inputs (in `layer.inputs` order).
 * @throws MsatError `MODEL_SHAPE` when the shapes do not fit the layer (wrong channel count, rank, ...).
 */
export function inferLayerShape(layer: LayerSpec, inputs: readonly Shape[]): Dim[] {
  return layerKindSpec(layer.kind).inferShape(layer, inputs);
}
