/**
 * What the layers above `model` ask of a layer's kind, answered from its `LayerKindSpec` (layers/<kind>.ts):
 * its role in the SNN, its LIPool window, and its tensors by role, read and replaced generically.
 */
import { MsatError, type Tensor } from '../core/index.js';
import type { Layer } from './layer-types.js';
import { layerKindSpec, type LayerRole, type PoolWindow, type TensorRole } from './layers/index.js';

/** What `layer` is to the SNN (`LayerRole`). */
export function layerRole(layer: Layer): LayerRole {
  return layerKindSpec(layer.kind).role;
}

/** The LIPool window of a `pool` layer. */
export function poolWindow(layer: Layer): PoolWindow {
  const window = layerKindSpec(layer.kind).window;
  if (!window) throw new MsatError('MODEL_SHAPE', `layer "${layer.name}" (${layer.kind}) is not a pooling layer`);
  return window(layer);
}

/** One tensor a layer has, by role. */
export interface LayerTensor {
  readonly role: TensorRole;
  readonly tensor: Tensor<'float32'>;
  /** False for running statistics (buffers). */
  readonly trainable: boolean;
}

/** The tensors `layer` has, in `layerParameters` order. */
export function layerTensors(layer: Layer): LayerTensor[] {
  return layerKindSpec(layer.kind).tensors.flatMap((s) => {
    const tensor = layer[s.field] as Tensor<'float32'> | undefined;
    return tensor ? [{ role: s.role, tensor, trainable: !s.buffer }] : [];
  });
}

/** A copy of `layer` with the tensors of `values` in place (roles the kind has; an absent optional one is added). */
export function withLayerTensors<L extends Layer>(layer: L, values: Partial<Record<TensorRole, Tensor<'float32'>>>): L {
  const out: Record<string, unknown> = { ...layer };
  for (const s of layerKindSpec(layer.kind).tensors) {
    const t = values[s.role];
    if (t) out[s.field] = t;
  }
  return out as L;
}
