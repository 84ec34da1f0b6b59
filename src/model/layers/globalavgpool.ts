/** `globalavgpool`: mean over all axes after the channel axis, kept as size 1 (ONNX GlobalAveragePool). */
import { globalAvgPool } from '../autodiff/index.js';
import type { GlobalAvgPoolLayer } from '../layer-types.js';
import { requireRank } from '../shape-utils.js';
import { unaryMapper } from './from-onnx.js';
import type { LayerKindSpec } from './spec.js';

export const globalavgpool: LayerKindSpec<GlobalAvgPoolLayer> = {
  inferShape(layer, [x]) {
    requireRank(layer, x, 3);
    return [x[0], x[1], ...x.slice(2).map(() => 1)];
  },
  emit(_layer, { node, inputs: [x] }) {
    node('GlobalAveragePool', [x]);
  },
  forward: (_layer, { tape, inputs: [x] }) => globalAvgPool(tape, x),
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { GlobalAveragePool: unaryMapper('globalavgpool') },
};
