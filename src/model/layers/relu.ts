/** `relu`: `max(x, 0)` (ONNX Relu). */
import { relu as reluOp } from '../autodiff/index.js';
import type { ReluLayer } from '../layer-types.js';
import { unaryMapper } from './from-onnx.js';
import type { LayerKindSpec } from './spec.js';

export const relu: LayerKindSpec<ReluLayer> = {
  inferShape: (_layer, [x]) => [...x],
  emit(_layer, { node, inputs: [x] }) {
    node('Relu', [x]);
  },
  forward: (_layer, { tape, inputs: [x] }) => reluOp(tape, x),
  parameters: () => [],
  macs: () => 0,
  role: 'spiking',
  tensors: [],
  fromOnnx: { Relu: unaryMapper('relu') },
};
