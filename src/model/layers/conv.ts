/** `conv`: 1-D or 2-D convolution (ONNX Conv). */
import { MsatError } from '../../core/index.js';
import { attr } from '../../onnx/index.js';
import { describeNode, readInt, readWindowAttributes } from '../attributes.js';
import { conv as convOp } from '../autodiff/index.js';
import type { ConvLayer, Dim } from '../layer-types.js';
import { formatShape, shapeError, windowOutputSize } from '../shape-utils.js';
import { constInput, dynamicInput, optionalConst, staticSpatial, unsupportedUse, type OnnxMapper } from './from-onnx.js';
import { addSpatialPads, ownedTensors, perSample } from './shared.js';
import type { LayerKindSpec, TensorSlot } from './spec.js';

const tensors: TensorSlot<ConvLayer>[] = [
  { role: 'weight', field: 'weight' },
  { role: 'bias', field: 'bias' },
];

const fromConv: OnnxMapper<ConvLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const weight = constInput(ctx, env, 1, 'the weight');
  const bias = optionalConst(ctx, env, 2, 'the bias');
  if (weight.dims.length !== 3 && weight.dims.length !== 4) {
    throw unsupportedUse(ctx, `a ${weight.dims.length - 2}-D convolution (weight ${formatShape(weight.dims)}); msat supports 1-D and 2-D`);
  }
  const w = readWindowAttributes(ctx, staticSpatial(ctx, env.shape(x)!), weight.dims.slice(2));
  if (w.kernel.some((k, i) => k !== weight.dims[2 + i])) {
    throw new MsatError(
      'ONNX_MALFORMED',
      `${describeNode(ctx)}: kernel_shape [${w.kernel.join(', ')}] does not match weight ${formatShape(weight.dims)}`,
    );
  }
  const group = readInt(ctx, 'group', 1);
  return {
    kind: 'conv',
    name: ctx.node.name,
    inputs: [x],
    output: ctx.node.outputs[0],
    weight,
    bias,
    strides: w.strides,
    pads: w.pads,
    dilations: w.dilations,
    group,
  };
};

export const conv: LayerKindSpec<ConvLayer> = {
  inferShape(layer, [x]) {
    const w = layer.weight.dims;
    const spatial = w.length - 2;
    if (x.length !== w.length) throw shapeError(layer, `weight ${formatShape(w)} needs an input of rank ${w.length}, found ${formatShape(x)}`);
    if (x[1] !== w[1] * layer.group) throw shapeError(layer, `expects ${w[1] * layer.group} input channels, found ${formatShape(x)}`);
    if (layer.bias && layer.bias.data.length !== w[0])
      throw shapeError(layer, `bias has ${layer.bias.data.length} entries for ${w[0]} output channels`);
    const out: Dim[] = [x[0], w[0]];
    for (let i = 0; i < spatial; i++) {
      const n = windowOutputSize(x[2 + i] as number, w[2 + i], layer.strides[i], layer.pads[i], layer.pads[spatial + i], layer.dilations[i], false);
      if (n < 1) throw shapeError(layer, `kernel ${formatShape(w.slice(2))} does not fit input ${formatShape(x)}`);
      out.push(n);
    }
    return out;
  },
  emit(layer, { node, param, inputs: [x] }) {
    node('Conv', [x, param('weight', layer.weight), ...(layer.bias ? [param('bias', layer.bias)] : [])], {
      kernel_shape: attr.ints(layer.weight.dims.slice(2)),
      strides: attr.ints(layer.strides),
      pads: attr.ints(layer.pads),
      dilations: attr.ints(layer.dilations),
      group: attr.int(layer.group),
    });
  },
  forward: (layer, { tape, inputs: [x], param }) => convOp(tape, x, param('weight')!, param('bias'), layer),
  parameters: ownedTensors(tensors),
  /** outC · outSpatial · (inC/group) · kernelSize = weight size · outSpatial. */
  macs: (layer) => layer.weight.data.length * perSample(layer.outShape, 2),
  role: 'synaptic',
  tensors,
  init: 'scheme',
  absorbsBatchNorm: () => null,
  // Exact: Conv pads with zeros.
  absorbsPad: (layer, pad) => ({ ...layer, pads: addSpatialPads(layer.pads, pad) }),
  fromOnnx: { Conv: fromConv },
};
