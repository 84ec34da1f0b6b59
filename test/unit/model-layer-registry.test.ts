// The layer-kind registry (src/model/layers): one spec per kind, and shapes, emitted ONNX nodes, parameters and
// MACs through it equal the values the switch-based code gave for a network holding every kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatTensor, type Tensor } from '../../src/core/tensor.js';
import { GraphBuilder, attr, decodeOnnxModel, encodeOnnxModel } from '../../src/onnx/index.js';
import {
  exportOnnx,
  importOnnx,
  inferLayerShape,
  layerMacs,
  layerParameters,
  summarizeNetwork,
  type LayerKind,
  type Network,
  type Shape,
} from '../../src/model/index.js';
import { LAYER_KINDS, layerKindSpec } from '../../src/model/layers/index.js';

/** Every kind, checked against `LayerKind` at compile time in both directions (a missing or extra key fails tsc). */
const KINDS: Record<LayerKind, true> = {
  conv: true,
  linear: true,
  batchnorm: true,
  relu: true,
  maxpool: true,
  avgpool: true,
  globalavgpool: true,
  flatten: true,
  reshape: true,
  transpose: true,
  squeeze: true,
  unsqueeze: true,
  add: true,
  concat: true,
  embedding: true,
};

// Compile-time checks of the mapped type (tsc fails if an error below goes away).
const { conv: _conv, ...withoutConv } = LAYER_KINDS;
// @ts-expect-error a registry without a kind does not type-check
const _missing: typeof LAYER_KINDS = withoutConv;
// @ts-expect-error a spec for another kind (wrong layer type in its functions) does not type-check
const _wrong: typeof LAYER_KINDS = { ...LAYER_KINDS, relu: LAYER_KINDS.conv };

const i64 = (values: number[]): Tensor => ({ type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
const ramp = (dims: number[]): Tensor<'float32'> => {
  const n = dims.reduce((a, b) => a * b, 1);
  return floatTensor(
    dims,
    Array.from({ length: n }, (_, i) => ((i * 31) % 17) / 17 - 0.5),
  );
};

/** Every layer kind, including a 3-D linear with and without bias and an embedding on a second input. */
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
  const seq2 = b.node('MatMul', [seqb, b.initializer('W2', ramp([5, 5]))], {}, { name: 'proj2' });
  const fl = b.node('Flatten', [seq2], { axis: attr.int(1) }, { name: 'flatten' });
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
  const ids = b.input('ids', 'int64', ['N', 3]);
  b.output(b.node('Gather', [b.initializer('table', ramp([10, 4])), ids], {}, { name: 'emb' }), 'float32');
  return importOnnx(decodeOnnxModel(encodeOnnxModel(b.build(13)), 'every-kind.onnx'), 'every-kind.onnx');
}

test('every LayerKind has a spec with the four functions, and nothing else is registered', () => {
  assert.deepEqual(Object.keys(LAYER_KINDS).sort(), Object.keys(KINDS).sort());
  for (const kind of Object.keys(KINDS) as LayerKind[]) {
    const spec = LAYER_KINDS[kind];
    for (const fn of ['inferShape', 'emit', 'parameters', 'macs'] as const) assert.equal(typeof spec[fn], 'function', `${kind}.${fn}`);
    assert.equal(layerKindSpec(kind), spec);
  }
});

test('the test network holds every kind', () => {
  assert.deepEqual([...new Set(everyKind().layers.map((l) => l.kind))].sort(), Object.keys(KINDS).sort());
});

test('shapes, parameter counts and MACs per layer are unchanged', () => {
  const net = everyKind();
  const rows = summarizeNetwork(net).rows.map((r) => [r.name, r.kind, r.outShape.join('x'), r.params, r.macs]);
  assert.deepEqual(rows, [
    ['conv', 'conv', 'Nx4x8x8', 112, 6912],
    ['bn', 'batchnorm', 'Nx4x8x8', 16, 0],
    ['relu1', 'relu', 'Nx4x8x8', 0, 0],
    ['maxpool', 'maxpool', 'Nx4x4x4', 0, 0],
    ['avgpool', 'avgpool', 'Nx4x4x4', 0, 0],
    ['residual', 'add', 'Nx4x4x4', 0, 0],
    ['shift', 'add', 'Nx4x4x4', 4, 0],
    ['cat', 'concat', 'Nx8x4x4', 0, 0],
    ['gap', 'globalavgpool', 'Nx8x1x1', 0, 0],
    ['squeeze', 'squeeze', 'Nx8', 0, 0],
    ['unsqueeze', 'unsqueeze', 'Nx8x1', 0, 0],
    ['transpose', 'transpose', 'Nx1x8', 0, 0],
    ['proj', 'linear', 'Nx1x5', 45, 40],
    ['proj2', 'linear', 'Nx1x5', 25, 25],
    ['flatten', 'flatten', 'Nx5', 0, 0],
    ['reshape', 'reshape', 'Nx5', 0, 0],
    ['relu2', 'relu', 'Nx5', 0, 0],
    ['fc', 'linear', 'Nx3', 18, 15],
    ['emb', 'embedding', 'Nx3x4', 40, 0],
  ]);

  // The public functions and the registry agree, and re-inferring every layer gives its stored shape.
  const shapes = new Map<string, Shape>(net.inputs.map((i) => [i.name, i.dims]));
  for (const l of net.layers) {
    const ins = l.inputs.map((i) => shapes.get(i)!);
    assert.deepEqual(inferLayerShape(l, ins), l.outShape, l.name);
    assert.deepEqual(layerKindSpec(l.kind).inferShape(l, ins), l.outShape, l.name);
    assert.equal(layerKindSpec(l.kind).macs(l), layerMacs(l), l.name);
    assert.deepEqual(layerKindSpec(l.kind).parameters(l), layerParameters(l), l.name);
    shapes.set(l.output, l.outShape);
  }
  assert.deepEqual(
    layerParameters(net.layers.find((l) => l.name === 'bn')!).map((t) => t.dims),
    [[4], [4], [4], [4]],
  );
});

test('emitted nodes (op, inputs, outputs) are unchanged at opsets 11 and 13', () => {
  const lines = (opset: number) =>
    exportOnnx(everyKind(), { opset }).graph.nodes.map((n) => `${n.name}: ${n.opType}(${n.inputs.join(', ')}) -> ${n.outputs.join(', ')}`);
  const at13 = [
    'conv: Conv(image, conv.weight, conv.bias) -> conv_0',
    'bn: BatchNormalization(conv_0, bn.scale, bn.bias, bn.mean, bn.var) -> batchnormalization_0',
    'relu1: Relu(batchnormalization_0) -> act1',
    'maxpool: MaxPool(act1) -> maxpool_0',
    'avgpool: AveragePool(act1) -> averagepool_0',
    'residual: Add(maxpool_0, averagepool_0) -> add_0',
    'shift: Add(add_0, shift.constant) -> add_1',
    'cat: Concat(add_1, add_0) -> concat_0',
    'gap: GlobalAveragePool(concat_0) -> globalaveragepool_0',
    'squeeze: Squeeze(globalaveragepool_0, squeeze.axes) -> squeeze_0',
    'unsqueeze: Unsqueeze(squeeze_0, unsqueeze.axes) -> unsqueeze_0',
    'transpose: Transpose(unsqueeze_0) -> transpose_0',
    'proj: MatMul(transpose_0, proj.weight_t) -> add_2_matmul',
    'proj_bias: Add(add_2_matmul, proj.bias) -> add_2',
    'proj2: MatMul(add_2, proj2.weight_t) -> matmul_1',
    'flatten: Flatten(matmul_1) -> flatten_0',
    'reshape: Reshape(flatten_0, reshape.shape) -> reshape_0',
    'relu2: Relu(reshape_0) -> act2',
    'fc: Gemm(act2, fc.weight, fc.bias) -> logits',
    'emb: Gather(emb.weight, ids) -> gather_0',
  ];
  assert.deepEqual(lines(13), at13);
  // Before opset 13 Squeeze/Unsqueeze carry their axes as attributes; nothing else differs.
  assert.deepEqual(
    lines(11),
    at13.map((l) => l.replace(', squeeze.axes', '').replace(', unsqueeze.axes', '')),
  );
  const m11 = exportOnnx(everyKind(), { opset: 11 });
  assert.deepEqual(m11.graph.nodes.find((n) => n.name === 'unsqueeze')!.attributes.axes, { type: 'ints', value: [2] });
  const mp = exportOnnx(everyKind(), { opset: 13 }).graph.nodes.find((n) => n.name === 'maxpool')!;
  assert.deepEqual(mp.attributes, {
    kernel_shape: { type: 'ints', value: [3, 3] },
    strides: { type: 'ints', value: [2, 2] },
    pads: { type: 'ints', value: [0, 0, 0, 0] },
    dilations: { type: 'ints', value: [1, 1] },
    ceil_mode: { type: 'int', value: 1 },
  });
});

test('facets give what the per-kind branches of conversion, simulation, import and training did', () => {
  const facts = Object.fromEntries(
    (Object.keys(KINDS) as LayerKind[]).map((k) => {
      const s = LAYER_KINDS[k];
      const flags = [
        s.window && 'window',
        s.init && `init:${s.init}`,
        s.absorbsBatchNorm && 'bn',
        s.absorbsAddBias && 'addBias',
        s.absorbsPad && 'pad',
        s.acceptsIntegerInput && 'int',
      ].filter(Boolean);
      return [k, [s.role, ...flags, ...s.tensors.map((t) => `${t.role}${t.buffer ? '(buffer)' : ''}`)].join(' ')];
    }),
  );
  assert.deepEqual(facts, {
    conv: 'synaptic init:scheme bn pad weight bias',
    linear: 'synaptic init:fan-in-uniform bn addBias weight bias',
    batchnorm: 'analog scale bias mean(buffer) var(buffer)',
    relu: 'spiking',
    maxpool: 'pool window',
    avgpool: 'analog pad',
    globalavgpool: 'analog',
    flatten: 'analog',
    reshape: 'analog',
    transpose: 'analog',
    squeeze: 'analog',
    unsqueeze: 'analog',
    add: 'analog constant',
    concat: 'analog',
    embedding: 'input init:unit-normal int weight',
  });
  // The importer's operators, in the order its unsupported-operator error lists them.
  assert.deepEqual(
    Object.values(LAYER_KINDS).flatMap((k) => Object.keys(k.fromOnnx)),
    [
      'Conv',
      'Gemm',
      'MatMul',
      'BatchNormalization',
      'Relu',
      'MaxPool',
      'AveragePool',
      'GlobalAveragePool',
      'Flatten',
      'Reshape',
      'Transpose',
      'Squeeze',
      'Unsqueeze',
      'Add',
      'Concat',
      'Gather',
    ],
  );
  // A linear over [N, T, features] does not take a batch norm: it would normalize T.
  const net = everyKind();
  const proj = net.layers.find((l) => l.name === 'proj')!;
  const fc = net.layers.find((l) => l.name === 'fc')!;
  assert.match(layerKindSpec(proj.kind).absorbsBatchNorm!(proj) ?? '', /outputs rank 3/);
  assert.equal(layerKindSpec(fc.kind).absorbsBatchNorm!(fc), null);
});
