/** `transpose`: a batch-preserving axis permutation (ONNX Transpose). */
import { attr } from '../../onnx/index.js';
import { readInts, unsupportedAttribute } from '../attributes.js';
import { transpose as transposeOp } from '../autodiff/index.js';
import type { TransposeLayer } from '../layer-types.js';
import { formatShape, shapeError } from '../shape-utils.js';
import { dynamicInput, type OnnxMapper } from './from-onnx.js';
import type { LayerKindSpec } from './spec.js';

const fromTranspose: OnnxMapper<TransposeLayer> = (ctx, env) => {
  const x = dynamicInput(ctx, env, 0, 'the data');
  const rank = env.shape(x)!.length;
  const perm = readInts(ctx, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (perm[0] !== 0) throw unsupportedAttribute(ctx, 'perm', `[${perm.join(', ')}]`, 'permutations that keep the batch axis first (perm[0] = 0)');
  return { kind: 'transpose', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], perm };
};

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
  forward: (layer, { tape, inputs: [x] }) => transposeOp(tape, x, layer.perm),
  parameters: () => [],
  macs: () => 0,
  role: 'analog',
  tensors: [],
  fromOnnx: { Transpose: fromTranspose },
};
