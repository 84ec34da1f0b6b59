/**
 * One IR layer as ONNX nodes. `exportOnnx` calls it for every layer; the SNN simulator calls it for the analog
 * layers of its step graphs, with its own tensor names, so both run exactly the same operators.
 */
import type { Tensor } from '../core/index.js';
import { attr, type AttributeValue, type GraphBuilder } from '../onnx/index.js';
import type { Layer, Shape } from './network.js';
import { transpose2d } from './weights.js';

/** Naming and opset choices of the graph a layer is emitted into. */
export interface EmitContext {
  /** ai.onnx opset of the graph (Squeeze/Unsqueeze take their axes as an input from 13 on). */
  readonly opset: number;
  /** Adds the parameter `role` (`weight`, `bias`, ...) of the layer as an initializer; returns its name. */
  param(role: string, tensor: Tensor): string;
  /** A fresh name for an intermediate tensor, starting with `base`. */
  intermediate(base: string): string;
}

const int64 = (values: readonly number[]): Tensor<'int64'> => ({ type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });

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
  const [x] = inputs;
  switch (layer.kind) {
    case 'conv':
      node('Conv', [x, param('weight', layer.weight), ...(layer.bias ? [param('bias', layer.bias)] : [])], {
        kernel_shape: attr.ints(layer.weight.dims.slice(2)),
        strides: attr.ints(layer.strides),
        pads: attr.ints(layer.pads),
        dilations: attr.ints(layer.dilations),
        group: attr.int(layer.group),
      });
      break;
    case 'linear':
      if (inputShapes[0].length === 2) {
        node('Gemm', [x, param('weight', layer.weight), ...(layer.bias ? [param('bias', layer.bias)] : [])], { transB: attr.int(1) });
      } else {
        const wT = param('weight_t', transpose2d(layer.weight));
        if (!layer.bias) node('MatMul', [x, wT]);
        // The MatMul carries the layer name so that re-importing (which fuses MatMul + Add) gives it back.
        else node('Add', [node('MatMul', [x, wT], {}, ctx.intermediate(`${output}_matmul`)), param('bias', layer.bias)], {}, output, `${layer.name}_bias`);
      }
      break;
    case 'batchnorm':
      node('BatchNormalization', [x, param('scale', layer.scale), param('bias', layer.bias), param('mean', layer.mean), param('var', layer.variance)], {
        epsilon: attr.float(layer.epsilon),
      });
      break;
    case 'relu':
      node('Relu', [x]);
      break;
    case 'maxpool':
      node('MaxPool', [x], {
        kernel_shape: attr.ints(layer.kernel), strides: attr.ints(layer.strides), pads: attr.ints(layer.pads),
        dilations: attr.ints(layer.dilations), ceil_mode: attr.int(layer.ceilMode ? 1 : 0),
      });
      break;
    case 'avgpool':
      node('AveragePool', [x], {
        kernel_shape: attr.ints(layer.kernel), strides: attr.ints(layer.strides), pads: attr.ints(layer.pads),
        count_include_pad: attr.int(layer.countIncludePad ? 1 : 0), ceil_mode: attr.int(layer.ceilMode ? 1 : 0),
      });
      break;
    case 'globalavgpool':
      node('GlobalAveragePool', [x]);
      break;
    case 'flatten':
      node('Flatten', [x], { axis: attr.int(layer.axis) });
      break;
    case 'reshape':
      // 0 copies the (run-time) batch size; the rest is static.
      node('Reshape', [x, param('shape', int64([0, ...(layer.shape.slice(1) as number[])]))]);
      break;
    case 'transpose':
      node('Transpose', [x], { perm: attr.ints(layer.perm) });
      break;
    case 'squeeze':
    case 'unsqueeze': {
      const op = layer.kind === 'squeeze' ? 'Squeeze' : 'Unsqueeze';
      if (ctx.opset >= 13) node(op, [x, param('axes', int64(layer.axes))]);
      else node(op, [x], { axes: attr.ints(layer.axes) });
      break;
    }
    case 'add':
      node('Add', layer.constant ? [x, param('constant', layer.constant)] : [...inputs]);
      break;
    case 'concat':
      node('Concat', [...inputs], { axis: attr.int(layer.axis) });
      break;
    case 'embedding':
      node('Gather', [param('weight', layer.weight), x], { axis: attr.int(0) });
      break;
  }
  return output;
}
