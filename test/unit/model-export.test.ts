// Network -> ONNX without onnxruntime: graph structure per opset, extra outputs, and import(export(net)) == net.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/errors.js';
import { floatTensor, type Tensor } from '../../src/core/tensor.js';
import { GraphBuilder, attr, decodeOnnxModel, encodeOnnxModel } from '../../src/onnx/index.js';
import { exportOnnx, importOnnx, networkToOnnxBytes, type Network } from '../../src/model/index.js';

const i64 = (values: number[]): Tensor => ({ type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
const ramp = (dims: number[]): Tensor<'float32'> => {
  const n = dims.reduce((a, b) => a * b, 1);
  return floatTensor(
    dims,
    Array.from({ length: n }, (_, i) => ((i * 31) % 17) / 17 - 0.5),
  );
};

/** A network touching every layer kind except embedding. */
function everyKind(): Network {
  const b = new GraphBuilder();
  const x = b.input('image', 'float32', ['N', 3, 8, 8]);
  const c = b.node(
    'Conv',
    [x, b.initializer('w', ramp([4, 3, 3, 3])), b.initializer('cb', ramp([4]))],
    { pads: attr.ints([1, 1, 1, 1]) },
    { name: 'conv' },
  );
  const bn = b.node(
    'BatchNormalization',
    [
      c,
      b.initializer('s', ramp([4])),
      b.initializer('bb', ramp([4])),
      b.initializer('m', ramp([4])),
      b.initializer('v', floatTensor([4], [1, 2, 3, 4])),
    ],
    { epsilon: attr.float(1e-3) },
    { name: 'bn' },
  );
  const r = b.node('Relu', [bn], {}, { name: 'relu1', outputs: ['act1'] });
  const mp = b.node('MaxPool', [r], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }, { name: 'maxpool' });
  const ap = b.node(
    'AveragePool',
    [r],
    { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints([0, 0, 0, 0]) },
    { name: 'avgpool' },
  );
  const sum = b.node('Add', [mp, ap], {}, { name: 'residual' });
  const shifted = b.node('Add', [sum, b.initializer('shift', ramp([4, 1, 1]))], {}, { name: 'shift' });
  const cat = b.node('Concat', [shifted, sum], { axis: attr.int(1) }, { name: 'cat' });
  const g = b.node('GlobalAveragePool', [cat], {}, { name: 'gap' });
  const sq = b.node('Squeeze', [g, b.initializer('ax', i64([2, 3]))], {}, { name: 'squeeze' });
  const un = b.node('Unsqueeze', [sq, b.initializer('ax2', i64([2]))], {}, { name: 'unsqueeze' });
  const t = b.node('Transpose', [un], { perm: attr.ints([0, 2, 1]) }, { name: 'transpose' });
  const seq = b.node('MatMul', [t, b.initializer('W', ramp([8, 5]))], {}, { name: 'proj' });
  const seqb = b.node('Add', [seq, b.initializer('pb', ramp([5]))], {}, { name: 'proj_bias' });
  const fl = b.node('Flatten', [seqb], { axis: attr.int(1) }, { name: 'flatten' });
  const rs = b.node('Reshape', [fl, b.initializer('shape', i64([-1, 5]))], {}, { name: 'reshape' });
  const r2 = b.node('Relu', [rs], {}, { name: 'relu2', outputs: ['act2'] });
  b.output(
    b.node(
      'Gemm',
      [r2, b.initializer('fw', ramp([3, 5])), b.initializer('fb', ramp([3]))],
      { transB: attr.int(1) },
      { name: 'fc', outputs: ['logits'] },
    ),
    'float32',
  );
  // Through bytes first: float attributes (epsilon) are float32 on the wire.
  return importOnnx(decodeOnnxModel(encodeOnnxModel(b.build(13)), 'every-kind.onnx'), 'every-kind.onnx');
}

test('the test network covers every non-embedding layer kind', () => {
  const kinds = new Set(everyKind().layers.map((l) => l.kind));
  for (const k of [
    'conv',
    'batchnorm',
    'relu',
    'maxpool',
    'avgpool',
    'add',
    'concat',
    'globalavgpool',
    'squeeze',
    'unsqueeze',
    'transpose',
    'linear',
    'flatten',
    'reshape',
  ]) {
    assert.ok(kinds.has(k as never), k);
  }
});

test('import(decode(encode(export(net)))) gives back the same layers at opsets 11, 13 and 17', () => {
  const net = everyKind();
  for (const opset of [11, 13, 17]) {
    const back = importOnnx(decodeOnnxModel(networkToOnnxBytes(net, { opset }), 'rt.onnx'), 'every-kind.onnx');
    assert.deepEqual(back.layers, net.layers, `opset ${opset}`);
    assert.deepEqual(back.inputs, net.inputs);
    assert.deepEqual(back.outputs, net.outputs);
  }
});

test('opset < 13 writes Squeeze/Unsqueeze axes as attributes, opset >= 13 as inputs; the batch is dim_param N', () => {
  const net = everyKind();
  const m11 = exportOnnx(net, { opset: 11 });
  const m13 = exportOnnx(net, { opset: 13 });
  const sq11 = m11.graph.nodes.find((n) => n.opType === 'Squeeze')!;
  const sq13 = m13.graph.nodes.find((n) => n.opType === 'Squeeze')!;
  assert.deepEqual(sq11.attributes.axes, { type: 'ints', value: [2, 3] });
  assert.equal(sq11.inputs.length, 1);
  assert.equal(sq13.inputs.length, 2);
  assert.deepEqual(m13.graph.inputs, [{ name: 'image', type: 'float32', dims: ['N', 3, 8, 8] }]);
  assert.deepEqual(m13.graph.outputs, [{ name: 'logits', type: 'float32', dims: ['N', 3] }]);
  assert.equal(m13.irVersion, 7);
  assert.deepEqual(m13.opsetImports, [{ domain: '', version: 13 }]);
});

test('extraOutputs become graph outputs with shapes; unknown names are refused', () => {
  const net = everyKind();
  const m = exportOnnx(net, { extraOutputs: ['act1', 'act2', 'act1', 'logits'] });
  assert.deepEqual(m.graph.outputs, [
    { name: 'logits', type: 'float32', dims: ['N', 3] },
    { name: 'act1', type: 'float32', dims: ['N', 4, 8, 8] },
    { name: 'act2', type: 'float32', dims: ['N', 5] },
  ]);
  decodeOnnxModel(encodeOnnxModel(m), 'extra.onnx');
  for (const bad of ['nope', 'image']) {
    assert.throws(
      () => exportOnnx(net, { extraOutputs: [bad] }),
      (e: unknown) => isMsatError(e) && e.code === 'MODEL_EXPORT' && e.message.includes(`"${bad}"`),
    );
  }
  assert.throws(
    () => exportOnnx(net, { opset: 9 }),
    (e: unknown) => isMsatError(e) && e.code === 'MODEL_EXPORT',
  );
});
