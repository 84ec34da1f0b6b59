/** `concat`: concatenation of data inputs along a non-batch axis (ONNX Concat). */
import { attr } from '../../onnx/index.js';
import type { ConcatLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import type { LayerKindSpec } from './spec.js';

export const concat: LayerKindSpec<ConcatLayer> = {
  inferShape(layer, inputs) {
    const x = inputs[0];
    const a = layer.axis;
    if (a < 1 || a >= x.length) throw shapeError(layer, `axis ${a} is not a non-batch axis of ${formatShape(x)}`);
    let total = 0;
    for (const s of inputs) {
      if (s.length !== x.length || s.some((d, i) => i !== a && d !== x[i])) {
        throw shapeError(layer, `inputs ${inputs.map(formatShape).join(', ')} differ outside axis ${a}`);
      }
      total += s[a] as number;
    }
    return x.map((d, i) => (i === a ? total : d));
  },
  emit(layer, { node, inputs }) {
    node('Concat', [...inputs], { axis: attr.int(layer.axis) });
  },
  parameters: () => [],
  macs: () => 0,
};
