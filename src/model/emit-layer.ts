/**
 * One IR layer as ONNX nodes. `exportOnnx` calls it for every layer; the SNN simulator calls it for the analog
 * layers of its step graphs, with its own tensor names, so both run exactly the same operators. The nodes of
 * each kind are written by its module under layers/ (`LayerKindSpec.emit`).
 */
import type { Tensor } from '../core/index.js';
import type { AttributeValue, GraphBuilder } from '../onnx/index.js';
import type { Layer, Shape } from './layer-types.js';
import { layerKindSpec, type EmitContext } from './layers/index.js';

export type { EmitContext } from './layers/index.js';

/**
 * Emits `layer` reading `inputs` (shapes `inputShapes`, batch first) and writing `output`; returns `output`.
 * Node names are the layer name, so a re-import finds the same layers.
 */
export function emitLayer(
  b: GraphBuilder,
  layer: Layer,
  inputs: readonly string[],
  inputShapes: readonly Shape[],
  output: string,
  ctx: EmitContext,
): string {
  const node = (op: string, ins: string[], attributes: Record<string, AttributeValue> = {}, out = output, name = layer.name): string =>
    b.node(op, ins, attributes, { name, outputs: [out] });
  const param = (role: string, t: Tensor): string => ctx.param(role, t);
  layerKindSpec(layer.kind).emit(layer, { inputs, inputShapes, output, ctx, node, param });
  return output;
}
