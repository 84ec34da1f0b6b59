/**
 * Helpers shared by several layer kinds: the int64 constants of Reshape/Squeeze/Unsqueeze, the pooling window's
 * output shape (maxpool, avgpool), the opset-dependent axes of Squeeze/Unsqueeze, per-sample element counts
 * for MACs (conv, linear), `parameters` from a kind's tensor slots, and pads merged from a folded zero Pad.
 */
import { sizeOf, type Tensor } from '../../core/index.js';
import { attr } from '../../onnx/index.js';
import { reshape, type Var } from '../autodiff/index.js';
import type { AvgPoolLayer, Dim, Layer, MaxPoolLayer, Shape, SqueezeLayer, UnsqueezeLayer } from '../layer-types.js';
import { formatShape, shapeError, windowOutputSize } from '../shape-utils.js';
import type { ForwardContext, LayerEmitter, TensorSlot } from './spec.js';

/** A 1-D int64 tensor of `values`. */
export const int64 = (values: readonly number[]): Tensor<'int64'> => ({
  type: 'int64',
  dims: [values.length],
  data: BigInt64Array.from(values.map((v) => BigInt(v))),
});

/** Elements per sample of a shape with a leading batch dimension, over axes `from` to `to`. */
export function perSample(shape: Shape, from: number, to = shape.length): number {
  return sizeOf(shape.slice(from, to) as number[]);
}

/** Output shape of a max or average pool over the trailing 1 or 2 axes of `x`, with per-axis dilations `dil`. */
export function poolOutputShape(layer: Omit<MaxPoolLayer, 'outShape'> | Omit<AvgPoolLayer, 'outShape'>, x: Shape, dil: readonly number[]): Dim[] {
  const spatial = layer.kernel.length;
  if (x.length !== spatial + 2) throw shapeError(layer, `a ${spatial}-D kernel needs an input of rank ${spatial + 2}, found ${formatShape(x)}`);
  const out: Dim[] = [x[0], x[1]];
  for (let i = 0; i < spatial; i++) {
    const n = windowOutputSize(x[2 + i] as number, layer.kernel[i], layer.strides[i], layer.pads[i], layer.pads[spatial + i], dil[i], layer.ceilMode);
    if (n < 1) throw shapeError(layer, `kernel ${formatShape(layer.kernel)} does not fit input ${formatShape(x)}`);
    out.push(n);
  }
  return out;
}

/** The `emit` of Squeeze or Unsqueeze: axes as an int64 input from opset 13 on, as an attribute before. */
export function emitAxesOp(op: 'Squeeze' | 'Unsqueeze') {
  return (layer: SqueezeLayer | UnsqueezeLayer, { node, param, inputs: [x], ctx }: LayerEmitter): void => {
    if (ctx.opset >= 13) node(op, [x, param('axes', int64(layer.axes))]);
    else node(op, [x], { axes: attr.ints(layer.axes) });
  };
}

/** A kind's `parameters`: the tensors its `slots` name that the layer has, in slot order. */
export function ownedTensors<L extends object>(slots: readonly TensorSlot<L>[]): (layer: L) => Tensor<'float32'>[] {
  return (layer) => slots.flatMap((s) => (layer[s.field] as Tensor<'float32'> | undefined) ?? []);
}

/** A layer's own spatial `pads` plus the spatial part of a folded Pad's `pad` (ONNX order over every axis). */
export function addSpatialPads(pads: readonly number[], pad: readonly number[]): number[] {
  const rank = pad.length / 2;
  const s = rank - 2;
  const out = [...pads];
  for (let i = 0; i < s; i++) {
    out[i] += pad[2 + i];
    out[s + i] += pad[rank + 2 + i];
  }
  return out;
}

/** The training forward of every kind that only changes the shape (flatten, reshape, squeeze, unsqueeze). */
export const reshapeForward = (layer: Layer, { tape, inputs: [x] }: ForwardContext): Var => reshape(tape, x, layer.outShape.slice(1) as number[]);
