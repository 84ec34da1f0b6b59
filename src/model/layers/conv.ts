/** `conv`: 1-D or 2-D convolution (ONNX Conv). */
import { attr } from '../../onnx/index.js';
import type { ConvLayer, Dim } from '../layer-types.js';
import { formatShape, shapeError, windowOutputSize } from '../shape-utils.js';
import { perSample } from './shared.js';
import type { LayerKindSpec } from './spec.js';

export const conv: LayerKindSpec<ConvLayer> = {
  inferShape(layer, [x]) {
    const w = layer.weight.dims;
    const spatial = w.length - 2;
    if (x.length !== w.length) throw shapeError(layer, `weight ${formatShape(w)} needs an input of rank ${w.length}, found ${formatShape(x)}`);
    if (x[1] !== w[1] * layer.group) throw shapeError(layer, `expects ${w[1] * layer.group} input channels, found ${formatShape(x)}`);
    if (layer.bias && layer.bias.data.length !== w[0]) throw shapeError(layer, `bias has ${layer.bias.data.length} entries for ${w[0]} output channels`);
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
  parameters: (layer) => (layer.bias ? [layer.weight, layer.bias] : [layer.weight]),
  /** outC · outSpatial · (inC/group) · kernelSize = weight size · outSpatial. */
  macs: (layer) => layer.weight.data.length * perSample(layer.outShape, 2),
};
