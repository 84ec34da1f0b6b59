/** `linear`: `y = x · Wᵀ + b` over the last axis (ONNX Gemm for 2-D inputs, MatMul [+ Add] otherwise). */
import { attr } from '../../onnx/index.js';
import type { LinearLayer } from '../layer-types.js';
import { formatShape, requireRank, shapeError } from '../shape-utils.js';
import { transpose2d } from '../weights.js';
import { perSample } from './shared.js';
import type { LayerKindSpec } from './spec.js';

export const linear: LayerKindSpec<LinearLayer> = {
  inferShape(layer, [x]) {
    requireRank(layer, x, 2);
    const [outF, inF] = layer.weight.dims;
    if (x[x.length - 1] !== inF) throw shapeError(layer, `weight [${outF}, ${inF}] needs ${inF} input features, found ${formatShape(x)}`);
    if (layer.bias && layer.bias.data.length !== outF) throw shapeError(layer, `bias has ${layer.bias.data.length} entries for ${outF} outputs`);
    return [...x.slice(0, -1), outF];
  },
  emit(layer, { node, param, inputs: [x], inputShapes, output, ctx }) {
    if (inputShapes[0].length === 2) {
      node('Gemm', [x, param('weight', layer.weight), ...(layer.bias ? [param('bias', layer.bias)] : [])], { transB: attr.int(1) });
    } else {
      const wT = param('weight_t', transpose2d(layer.weight));
      if (!layer.bias) node('MatMul', [x, wT]);
      // The MatMul carries the layer name so that re-importing (which fuses MatMul + Add) gives it back.
      else node('Add', [node('MatMul', [x, wT], {}, ctx.intermediate(`${output}_matmul`)), param('bias', layer.bias)], {}, output, `${layer.name}_bias`);
    }
  },
  parameters: (layer) => (layer.bias ? [layer.weight, layer.bias] : [layer.weight]),
  /** in · out for every position of the leading non-batch axes (`[N, T, in]` counts T times). */
  macs: (layer) => layer.weight.data.length * perSample(layer.outShape, 1, layer.outShape.length - 1),
};
