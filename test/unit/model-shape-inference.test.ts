// Pure shape inference and constant folding with a symbolic batch dimension (no onnxruntime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/errors.js';
import { floatTensor } from '../../src/core/tensor.js';
import { attr, type OnnxNode } from '../../src/onnx/index.js';
import {
  broadcastShapes,
  foldNode,
  inferLayerShape,
  resolveReshapeTarget,
  sizePerSample,
  windowOutputSize,
  type ConstValue,
  type LayerSpec,
} from '../../src/model/index.js';

test('windowOutputSize matches the ONNX/PyTorch formula, including ceil_mode and its last-window rule', () => {
  assert.equal(windowOutputSize(32, 3, 1, 1, 1, 1, false), 32);
  assert.equal(windowOutputSize(32, 2, 2, 0, 0, 1, false), 16);
  assert.equal(windowOutputSize(7, 2, 2, 0, 0, 1, false), 3);
  assert.equal(windowOutputSize(7, 2, 2, 0, 0, 1, true), 4);
  assert.equal(windowOutputSize(4, 2, 2, 1, 1, 1, true), 3);
  // ceil gives 3, but the third window would start in the end padding: PyTorch drops it.
  assert.equal(windowOutputSize(5, 2, 3, 1, 1, 1, true), 2);
  assert.equal(windowOutputSize(5, 3, 2, 1, 1, 1, true), 3);
  assert.equal(windowOutputSize(10, 3, 1, 0, 0, 2, false), 6);
});

test('broadcastShapes treats N like a named dimension', () => {
  assert.deepEqual(broadcastShapes(['N', 4, 1], [3]), ['N', 4, 3]);
  assert.deepEqual(broadcastShapes(['N', 4], ['N', 4]), ['N', 4]);
  assert.deepEqual(broadcastShapes(['N', 4], [1, 4]), ['N', 4]);
  assert.equal(broadcastShapes(['N', 4], [2, 4]), undefined);
  assert.equal(broadcastShapes(['N', 4], [3]), undefined);
});

test('resolveReshapeTarget keeps the batch symbolic and refuses reshapes that mix it', () => {
  assert.deepEqual(resolveReshapeTarget(['N', 32, 4, 4], ['N', -1], false), ['N', 512]);
  assert.deepEqual(resolveReshapeTarget(['N', 32, 4, 4], [0, -1], false), ['N', 512]);
  assert.deepEqual(resolveReshapeTarget(['N', 32, 4, 4], [-1, 512], false), ['N', 512]);
  assert.deepEqual(resolveReshapeTarget(['N', 32, 4, 4], [0, 0, 16], false), ['N', 32, 16]);
  assert.deepEqual(resolveReshapeTarget(['N', 6], [2, 3, 2], false, 2), ['N', 3, 2]);
  assert.equal(resolveReshapeTarget(['N', 6], [2, 3, 2], false), undefined, 'literal batch without a static batch');
  assert.equal(resolveReshapeTarget(['N', 4, 8], [-1, 8], false), undefined, 'folds 4 into the batch');
  assert.equal(resolveReshapeTarget(['N', 4, 8], ['N', -1, -1], false), undefined);
  assert.equal(sizePerSample(['N', 3, 5]), 15);
});

const base = { name: 'l', inputs: ['x'], output: 'y' };

test('inferLayerShape for conv, pools, linear, flatten, concat and embedding', () => {
  const conv: LayerSpec = {
    ...base,
    kind: 'conv',
    weight: floatTensor([8, 2, 3, 3], new Float32Array(144)),
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    group: 2,
  };
  assert.deepEqual(inferLayerShape(conv, [['N', 4, 9, 9]]), ['N', 8, 5, 5]);
  const conv1d: LayerSpec = {
    ...base,
    kind: 'conv',
    weight: floatTensor([6, 4, 5], new Float32Array(120)),
    strides: [1],
    pads: [2, 2],
    dilations: [1],
    group: 1,
  };
  assert.deepEqual(inferLayerShape(conv1d, [['N', 4, 64]]), ['N', 6, 64]);
  const pool: LayerSpec = { ...base, kind: 'maxpool', kernel: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: true };
  assert.deepEqual(inferLayerShape(pool, [['N', 4, 8, 8]]), ['N', 4, 4, 4]);
  const lin: LayerSpec = { ...base, kind: 'linear', weight: floatTensor([3, 5], new Float32Array(15)) };
  assert.deepEqual(inferLayerShape(lin, [['N', 7, 5]]), ['N', 7, 3]);
  assert.deepEqual(inferLayerShape({ ...base, kind: 'flatten', axis: 1 }, [['N', 2, 3, 4]]), ['N', 24]);
  assert.deepEqual(inferLayerShape({ ...base, kind: 'flatten', axis: 2 }, [['N', 1, 3, 4]]), ['N', 12]);
  assert.deepEqual(
    inferLayerShape({ ...base, inputs: ['a', 'b'], kind: 'concat', axis: 1 }, [
      ['N', 2, 5],
      ['N', 3, 5],
    ]),
    ['N', 5, 5],
  );
  assert.deepEqual(inferLayerShape({ ...base, kind: 'embedding', weight: floatTensor([10, 4], new Float32Array(40)) }, [['N', 6]]), ['N', 6, 4]);
  assert.deepEqual(inferLayerShape({ ...base, kind: 'add', constant: floatTensor([5], new Float32Array(5)) }, [['N', 2, 5]]), ['N', 2, 5]);

  for (const [spec, shape] of [
    [lin, ['N', 7, 4]],
    [{ ...base, kind: 'flatten', axis: 2 }, ['N', 2, 3]],
    [{ ...base, inputs: ['a', 'b'], kind: 'concat', axis: 1 }, ['N', 2, 5]],
  ] as const) {
    const shapes = spec.kind === 'concat' ? [shape, ['N', 2, 4] as const] : [shape];
    assert.throws(
      () => inferLayerShape(spec as LayerSpec, shapes),
      (e: unknown) => isMsatError(e) && e.code === 'MODEL_SHAPE' && e.message.includes('layer "l"'),
    );
  }
});

const node = (opType: string, inputs: string[], attributes: OnnxNode['attributes'] = {}): { source: string; node: OnnxNode } => ({
  source: 'fold.onnx',
  node: { name: opType.toLowerCase(), opType, domain: '', inputs, outputs: ['out'], attributes },
});
const ints = (values: (number | 'N')[], dims = [values.length]): ConstValue => ({ type: 'int64', dims, values });

test('foldNode evaluates shape glue with the batch kept as the symbol N', () => {
  const [shape] = foldNode(node('Shape', ['x']), [undefined], [['N', 16, 4, 4]])!;
  assert.deepEqual(Array.from(shape.values), ['N', 16, 4, 4]);
  const [n] = foldNode(node('Gather', ['s', 'i'], { axis: attr.int(0) }), [shape, ints([0], [])], [])!;
  assert.deepEqual(n.dims, []);
  assert.deepEqual(Array.from(n.values), ['N']);
  const [tail] = foldNode(node('Slice', ['s', 'a', 'b']), [shape, ints([1]), ints([9223372036854775807])], [])!;
  assert.deepEqual(Array.from(tail.values), [16, 4, 4]);
  const [cat] = foldNode(node('Concat', ['a', 'b'], { axis: attr.int(0) }), [ints(['N']), ints([-1])], [])!;
  assert.deepEqual(Array.from(cat.values), ['N', -1]);
  const [prod] = foldNode(node('Mul', ['a', 'b']), [ints([4]), ints([4])], [])!;
  assert.deepEqual(Array.from(prod.values), [16]);
  assert.equal(foldNode(node('Mul', ['a', 'b']), [ints(['N']), ints([4])], []), undefined, 'arithmetic on N does not fold');
  const [casted] = foldNode(node('Cast', ['a'], { to: attr.int(1) }), [ints([3, 'N'])], [])!;
  assert.equal(casted.type, 'float32');
  assert.deepEqual(Array.from(casted.values), [3, 'N']);
  assert.equal(foldNode(node('Relu', ['x']), [undefined], [['N', 3]]), undefined);
  assert.equal(foldNode(node('Reshape', ['x', 's']), [undefined, ints([0, -1])], [['N', 3]]), undefined, 'data at run time');
});

test('foldNode transposes and scales constant weights in float32', () => {
  const w: ConstValue = { type: 'float32', dims: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const [t] = foldNode(node('Transpose', ['w'], { perm: attr.ints([1, 0]) }), [w], [])!;
  assert.deepEqual(t.dims, [3, 2]);
  assert.deepEqual(Array.from(t.values), [1, 4, 2, 5, 3, 6]);
  assert.ok(t.values instanceof Float32Array);
  const [s] = foldNode(node('Mul', ['w', 'k']), [w, { type: 'float32', dims: [3], values: Float32Array.from([1, 0.5, 2]) }], [])!;
  assert.deepEqual(Array.from(s.values), [1, 1, 6, 4, 2.5, 12]);
  const [c] = foldNode(node('Constant', [], { value_ints: attr.ints([1, 2]) }), [], [])!;
  assert.deepEqual(Array.from(c.values), [1, 2]);
});
