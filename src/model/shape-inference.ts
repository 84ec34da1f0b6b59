/**
 * Static shape inference over the IR with a symbolic batch dimension `'N'`. Pure functions: no I/O, no
 * onnxruntime. The importer uses them to fold PyTorch's shape glue (`Shape -> Gather -> ... -> Reshape`) and
 * to give every layer its `outShape`; later passes (calibration buffers, simulator state) size tensors from it.
 */
import type { Dim, LayerSpec, Shape } from './layer-types.js';
import { layerKindSpec } from './layers/index.js';
import { sizePerSample } from './shape-utils.js';

export { broadcastShapes, formatShape, sizePerSample, windowOutputSize } from './shape-utils.js';

/**
 * Resolves a Reshape target (`-1` inferred, `0` copies the input dim unless `allowZero`) against an input
 * shape whose batch is `'N'`, so that the output keeps `'N'` first. `staticBatch` is the batch size the
 * source model was exported with, if it was fixed: a literal `target[0]` equal to it means "the batch".
 * Returns undefined when the target would mix the batch into other axes (msat cannot represent that).
 */
export function resolveReshapeTarget(input: Shape, target: readonly Dim[], allowZero: boolean, staticBatch?: number): Dim[] | undefined {
  if (input[0] !== 'N' || target.length === 0) return undefined;
  const perSample = sizePerSample(input);
  const dims: Dim[] = target.map((t, i) => (t === 0 && !allowZero && i < input.length ? input[i] : t));
  const first = dims[0];
  const rest = dims.slice(1);
  if (rest.some((d) => d === 'N' || (typeof d === 'number' && d < -1))) return undefined;
  const restKnown = rest.filter((d): d is number => d !== -1) as number[];
  const knownProduct = restKnown.reduce((p, d) => p * d, 1);
  const minusOnes = rest.filter((d) => d === -1).length;
  const batchFirst = first === 'N' || first === -1 || (typeof first === 'number' && first === staticBatch);
  if (!batchFirst || minusOnes > 1) return undefined;
  if (first === -1 && minusOnes > 0) return undefined;
  if (minusOnes === 1) {
    if (knownProduct === 0 || perSample % knownProduct !== 0) return undefined;
    return ['N', ...rest.map((d) => (d === -1 ? perSample / knownProduct : d))];
  }
  if (knownProduct !== perSample) return undefined;
  return ['N', ...restKnown];
}

/** Normalizes a possibly negative axis for a tensor of rank `rank`; undefined if out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/**
 * The output shape of `layer` given the shapes of its inputs (in `layer.inputs` order).
 * @throws MsatError `MODEL_SHAPE` when the shapes do not fit the layer (wrong channel count, rank, ...).
 */
export function inferLayerShape(layer: LayerSpec, inputs: readonly Shape[]): Dim[] {
  return layerKindSpec(layer.kind).inferShape(layer, inputs);
}
