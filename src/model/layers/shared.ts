/**
 * Helpers shared by several layer kinds: the int64 constants of Reshape/Squeeze/Unsqueeze, the pooling window's
 * output shape (maxpool, avgpool), the opset-dependent axes of Squeeze/Unsqueeze, and per-sample element counts
 * for MACs (conv, linear).
 */
import { sizeOf, type Tensor } from '../../core/index.js';
import type { AvgPoolLayer, Dim, MaxPoolLayer, Shape, SqueezeLayer, UnsqueezeLayer } from '../layer-types.js';
import { attr } from '../../onnx/index.js';
import { formatShape, shapeError, windowOutputSize } from '../shape-utils.js';
import type { LayerEmitter } from './spec.js';

/** A 1-D int64 tensor of `values`. */
export const int64 = (values: readonly number[]): Tensor<'int64'> => ({ type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });

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

/** Squeeze or Unsqueeze: axes as an int64 input from opset 13 on, as an attribute before. */
export function emitAxesOp(layer: SqueezeLayer | UnsqueezeLayer, { node, param, inputs: [x], ctx }: LayerEmitter): void {
  const op = layer.kind === 'squeeze' ? 'Squeeze' : 'Unsqueeze';
  if (ctx.opset >= 13) node(op, [x, param('axes', int64(layer.axes))]);
  else node(op, [x], { axes: attr.ints(layer.axes) });
}
