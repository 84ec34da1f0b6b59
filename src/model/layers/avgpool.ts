/** `avgpool`: average pooling over the 1 or 2 trailing axes (ONNX AveragePool). */
import { attr } from '../../onnx/index.js';
import { readInt, unsupportedAttribute } from '../attributes.js';
import { avgPool } from '../autodiff/index.js';
import type { AvgPoolLayer } from '../layer-types.js';
import { readPool, type OnnxMapper } from './from-onnx.js';
import { addSpatialPads, poolOutputShape } from './shared.js';
import type { LayerKindSpec } from './spec.js';

const fromAveragePool: OnnxMapper<AvgPoolLayer> = (ctx, env) => {
  const { base, dilations } = readPool(ctx, env);
  if (dilations.some((d) => d !== 1)) throw unsupportedAttribute(ctx, 'dilations', `[${dilations.join(', ')}]`, 'dilations of 1');
  return { kind: 'avgpool', ...base, countIncludePad: readInt(ctx, 'count_include_pad', 0) !== 0 };
};

export const avgpool: LayerKindSpec<AvgPoolLayer> = {
  inferShape: (layer, [x]) =>
    poolOutputShape(
      layer,
      x,
      layer.kernel.map(() => 1),
    ),
  emit(layer, { node, inputs: [x] }) {
    node('AveragePool', [x], {
      kernel_shape: attr.ints(layer.kernel),
      strides: attr.ints(layer.strides),
      pads: attr.ints(layer.pads),
      count_include_pad: attr.int(layer.countIncludePad ? 1 : 0),
      ceil_mode: attr.int(layer.ceilMode ? 1 : 0),
    });
  },
  forward: (layer, { tape, inputs: [x] }) => avgPool(tape, x, layer),
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  // Exact only when the padded zeros count in the divisor, which the merged layer then says.
  absorbsPad: (layer, pad) =>
    layer.ceilMode || (!layer.countIncludePad && layer.pads.some((v) => v !== 0))
      ? ' with ceil_mode or its own padding and count_include_pad = 0'
      : { ...layer, pads: addSpatialPads(layer.pads, pad), countIncludePad: true },
  fromOnnx: { AveragePool: fromAveragePool },
};
