/**
 * The layer-kind registry of the `model` layer: one `LayerKindSpec` per `LayerKind`, each in its own module
 * (layers/<kind>.ts). shape-inference.ts (`inferLayerShape`), emit-layer.ts (`emitLayer`), network.ts
 * (`layerParameters`), summary.ts (`layerMacs`) and layer-facets.ts (what other layers ask of a kind) dispatch
 * through it. The mapped type makes a missing kind, or a spec whose functions take the wrong layer type, a
 * compile error.
 */
import type { Layer, LayerKind } from '../layer-types.js';
import { add } from './add.js';
import { avgpool } from './avgpool.js';
import { batchnorm } from './batchnorm.js';
import { concat } from './concat.js';
import { conv } from './conv.js';
import { embedding } from './embedding.js';
import { flatten } from './flatten.js';
import { globalavgpool } from './globalavgpool.js';
import { linear } from './linear.js';
import { maxpool } from './maxpool.js';
import { relu } from './relu.js';
import { reshape } from './reshape.js';
import type { LayerKindSpec } from './spec.js';
import { squeeze } from './squeeze.js';
import { transpose } from './transpose.js';
import { unsqueeze } from './unsqueeze.js';

export type {
  EmitContext,
  ForwardContext,
  InitRule,
  LayerEmitter,
  LayerKindSpec,
  LayerRole,
  PoolWindow,
  TensorField,
  TensorRole,
  TensorSlot,
} from './spec.js';

/** Every layer kind's spec, keyed by kind. */
export const LAYER_KINDS: { readonly [K in LayerKind]: LayerKindSpec<Extract<Layer, { kind: K }>> } = {
  conv,
  linear,
  batchnorm,
  relu,
  maxpool,
  avgpool,
  globalavgpool,
  flatten,
  reshape,
  transpose,
  squeeze,
  unsqueeze,
  add,
  concat,
  embedding,
};

/**
 * The spec of `kind`, typed for the whole `Layer` union: callers pass it the layer whose `kind` they looked up.
 * TypeScript cannot correlate `LAYER_KINDS[layer.kind]` with `layer`, so this is the one place the per-kind
 * typing is widened.
 */
export function layerKindSpec(kind: LayerKind): LayerKindSpec<Layer> {
  return LAYER_KINDS[kind] as LayerKindSpec<Layer>;
}
