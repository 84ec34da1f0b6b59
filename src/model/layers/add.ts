/** `add`: broadcasting addition of two data inputs, or of one data input and a constant (ONNX Add). */
import { add as addOp } from '../autodiff/index.js';
import type { AddLayer } from '../layer-types.js';
import { broadcastShapes, formatShape, shapeError } from '../shape-utils.js';
import { constInput, dynamicInput, type OnnxMapper } from './from-onnx.js';
import { ownedTensors } from './shared.js';
import type { LayerKindSpec, TensorSlot } from './spec.js';

const tensors: TensorSlot<AddLayer>[] = [{ role: 'constant', field: 'constant' }];

const fromAdd: OnnxMapper<AddLayer> = (ctx, env) => {
  const [a, b] = ctx.node.inputs;
  const ca = env.constant(a);
  const cb = env.constant(b);
  if (ca === undefined && cb === undefined) {
    return {
      kind: 'add',
      name: ctx.node.name,
      inputs: [dynamicInput(ctx, env, 0, 'A'), dynamicInput(ctx, env, 1, 'B')],
      output: ctx.node.outputs[0],
    };
  }
  const dataIndex = ca === undefined ? 0 : 1;
  const x = dynamicInput(ctx, env, dataIndex, 'the data');
  const constant = constInput(ctx, env, 1 - dataIndex, 'the constant');
  return { kind: 'add', name: ctx.node.name, inputs: [x], output: ctx.node.outputs[0], constant };
};

export const add: LayerKindSpec<AddLayer> = {
  inferShape(layer, inputs) {
    const x = inputs[0];
    const shapes = layer.constant ? [x, layer.constant.dims] : inputs;
    if (shapes.length !== 2) throw shapeError(layer, `expects two operands, found ${shapes.length}`);
    const out = broadcastShapes(shapes[0], shapes[1]);
    if (!out || out[0] !== 'N' || out.length !== x.length) {
      throw shapeError(layer, `cannot add ${formatShape(shapes[0])} and ${formatShape(shapes[1])} without changing the batch or rank`);
    }
    return out;
  },
  emit(layer, { node, param, inputs }) {
    const [x] = inputs;
    node('Add', layer.constant ? [x, param('constant', layer.constant)] : [...inputs]);
  },
  forward: (layer, { tape, inputs, param }) => addOp(tape, inputs[0], layer.constant ? param('constant')! : inputs[1]),
  parameters: ownedTensors(tensors),
  macs: () => 0,
  role: 'analog',
  tensors,
  fromOnnx: { Add: fromAdd },
};
