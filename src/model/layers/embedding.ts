/** `embedding`: table lookup of int64 indices (ONNX Gather on axis 0 of the weight). */
import { attr } from '../../onnx/index.js';
import { readInt } from '../attributes.js';
import { embedding as embeddingOp } from '../autodiff/index.js';
import type { EmbeddingLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import { constInput, dynamicInput, unsupportedUse, type OnnxMapper } from './from-onnx.js';
import { ownedTensors } from './shared.js';
import type { LayerKindSpec, TensorSlot } from './spec.js';

const tensors: TensorSlot<EmbeddingLayer>[] = [{ role: 'weight', field: 'weight' }];

const fromGather: OnnxMapper<EmbeddingLayer> = (ctx, env) => {
  const weight = constInput(ctx, env, 0, 'the table (data)');
  const indices = dynamicInput(ctx, env, 1, 'the indices');
  const type = env.type(indices);
  if (weight.dims.length !== 2 || readInt(ctx, 'axis', 0) !== 0 || (type !== 'int64' && type !== 'int32')) {
    throw unsupportedUse(
      ctx,
      `Gather over ${formatShape(weight.dims)} with axis ${readInt(ctx, 'axis', 0)} and ${type} indices; msat supports embeddings (a [vocab, dim] table, axis 0, integer indices)`,
    );
  }
  return { kind: 'embedding', name: ctx.node.name, inputs: [indices], output: ctx.node.outputs[0], weight };
};

export const embedding: LayerKindSpec<EmbeddingLayer> = {
  inferShape(layer, [x]) {
    if (layer.weight.dims.length !== 2) throw shapeError(layer, `weight must be [vocab, dim], found ${formatShape(layer.weight.dims)}`);
    return [...x, layer.weight.dims[1]];
  },
  emit(layer, { node, param, inputs: [x] }) {
    node('Gather', [param('weight', layer.weight), x], { axis: attr.int(0) });
  },
  forward: (_layer, { tape, inputs: [ids], param }) => embeddingOp(tape, ids, param('weight')!),
  parameters: ownedTensors(tensors),
  macs: () => 0,
  role: 'input',
  tensors,
  init: 'unit-normal',
  acceptsIntegerInput: true,
  fromOnnx: { Gather: fromGather },
};
