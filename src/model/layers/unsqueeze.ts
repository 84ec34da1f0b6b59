/** `unsqueeze`: inserts size-1 non-batch axes (ONNX Unsqueeze). */
import type { Dim, UnsqueezeLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import { emitAxesOp } from './shared.js';
import type { LayerKindSpec } from './spec.js';

export const unsqueeze: LayerKindSpec<UnsqueezeLayer> = {
  inferShape(layer, [x]) {
    const rank = x.length + layer.axes.length;
    if (layer.axes.some((a) => a < 1 || a >= rank) || new Set(layer.axes).size !== layer.axes.length) {
      throw shapeError(layer, `cannot unsqueeze ${formatShape(x)} at axes ${formatShape(layer.axes)}`);
    }
    const out: Dim[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) out.push(layer.axes.includes(i) ? 1 : x[k++]);
    return out;
  },
  emit: emitAxesOp,
  parameters: () => [],
  macs: () => 0,
};
