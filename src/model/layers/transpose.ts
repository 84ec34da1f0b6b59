/** `transpose`: a batch-preserving axis permutation (ONNX Transpose). */
import { attr } from '../../onnx/index.js';
import type { TransposeLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import type { LayerKindSpec } from './spec.js';

export const transpose: LayerKindSpec<TransposeLayer> = {
  inferShape(layer, [x]) {
    const p = layer.perm;
    if (p.length !== x.length || p[0] !== 0 || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
      throw shapeError(layer, `perm ${formatShape(p)} is not a batch-preserving permutation of ${formatShape(x)}`);
    }
    return p.map((i) => x[i]);
  },
  emit(layer, { node, inputs: [x] }) {
    node('Transpose', [x], { perm: attr.ints(layer.perm) });
  },
  parameters: () => [],
  macs: () => 0,
};
