// Built graphs with normalizations msat performs on import (Gemm alpha/beta/transB, MatMul+Add fusion, folded Pad,
// auto_pad SAME, ceil_mode, fixed-batch reshapes): the original graph and msat's export, both run by onnxruntime on
// the same random input, agree within 1e-5, and msat's inferred shapes equal onnxruntime's.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { floatTensor, type Tensor } from '../../src/core/tensor.js';
import { GraphBuilder, attr, encodeOnnxModel, type OnnxModel } from '../../src/onnx/index.js';
import { importOnnx, networkToOnnxBytes } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';

const TOLERANCE = 1e-5;
const runner = new Runner({ threads: 1 });
after(() => runner.dispose());

function random(dims: number[], seed: number): Tensor<'float32'> {
  let s = seed >>> 0;
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return floatTensor(dims, data);
}
const i64 = (values: number[]): Tensor => ({ type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });

/** Runs the original model and msat's export at each opset on the same input and compares every output. */
async function assertAgree(label: string, model: OnnxModel, inputDims: number[]): Promise<void> {
  const net = importOnnx(model, `${label}.onnx`);
  const feeds = { [net.inputs[0].name]: random(inputDims, 7) };
  const original = await (await runner.session(`${label}:original`, () => encodeOnnxModel(model))).run(feeds);
  for (const opset of [11, 13, 17]) {
    const ours = await (await runner.session(`${label}:msat${opset}`, () => networkToOnnxBytes(net, { opset }))).run(feeds);
    for (const k of net.outputs) {
      assert.deepEqual(ours[k].dims, original[k].dims, `${label}/${k} dims at opset ${opset}`);
      const layer = net.layers.find((l) => l.output === k)!;
      assert.deepEqual(layer.outShape.slice(1), original[k].dims.slice(1), `${label}/${k}: inferred shape`);
      const a = ours[k].data as Float32Array;
      const b = original[k].data as Float32Array;
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
      assert.ok(diff <= TOLERANCE, `${label}/${k} at opset ${opset}: max diff ${diff}`);
    }
  }
}

test('Gemm with alpha, beta, transB = 0 and a [1, out] bias', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 6]);
  b.output(
    b.node(
      'Gemm',
      [x, b.initializer('B', random([6, 4], 1)), b.initializer('C', random([1, 4], 2))],
      { alpha: attr.float(0.5), beta: attr.float(2) },
      { outputs: ['y'] },
    ),
    'float32',
  );
  await assertAgree('gemm', b.build(13), [3, 6]);
});

test('MatMul + Add on a 3-D input (fused into one linear, exported as MatMul + Add)', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 5, 6]);
  const m = b.node('MatMul', [x, b.initializer('W', random([6, 4], 3))]);
  b.output(b.node('Add', [m, b.initializer('bias', random([4], 4))], {}, { outputs: ['y'] }), 'float32');
  await assertAgree('matmul3d', b.build(17), [2, 5, 6]);
});

test('zero Pad folded into AveragePool and Conv; AveragePool count_include_pad both ways', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 2, 7, 7]);
  const p = b.node('Pad', [x, b.initializer('pads', i64([0, 0, 1, 2, 0, 0, 2, 1]))]);
  const a = b.node('AveragePool', [p], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]) }, { outputs: ['avg'] });
  const q = b.node('Pad', [a, b.initializer('pads2', i64([0, 0, 1, 0, 0, 0, 0, 1]))]);
  b.node('Conv', [q, b.initializer('w', random([3, 2, 3, 3], 5))], { pads: attr.ints([1, 1, 1, 1]) }, { outputs: ['conv'] });
  b.node(
    'AveragePool',
    [x],
    { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), count_include_pad: attr.int(0) },
    { outputs: ['avg_excl'] },
  );
  b.node(
    'AveragePool',
    [x],
    { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), count_include_pad: attr.int(1) },
    { outputs: ['avg_incl'] },
  );
  for (const o of ['avg', 'conv', 'avg_excl', 'avg_incl']) b.output(o, 'float32');
  await assertAgree('pad', b.build(11), [2, 2, 7, 7]);
});

test('ceil_mode pooling, dilated max-pooling and auto_pad SAME convolutions: inferred shapes equal onnxruntime', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 2, 9, 10]);
  b.node('MaxPool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }, { outputs: ['mp_ceil'] });
  b.node(
    'MaxPool',
    [x],
    { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), ceil_mode: attr.int(1) },
    { outputs: ['mp_ceil_pad'] },
  );
  // Along W (10): ceil gives 5 windows, but the 5th would start in the end padding; PyTorch and onnxruntime drop it.
  b.node(
    'MaxPool',
    [x],
    { kernel_shape: attr.ints([2, 2]), strides: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), ceil_mode: attr.int(1) },
    { outputs: ['mp_ceil_edge'] },
  );
  b.node(
    'AveragePool',
    [x],
    {
      kernel_shape: attr.ints([2, 2]),
      strides: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
      ceil_mode: attr.int(1),
      count_include_pad: attr.int(1),
    },
    { outputs: ['ap_ceil_edge'] },
  );
  b.node('MaxPool', [x], { kernel_shape: attr.ints([2, 3]), dilations: attr.ints([2, 1]) }, { outputs: ['mp_dil'] });
  b.node('AveragePool', [x], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }, { outputs: ['ap_ceil'] });
  b.node(
    'Conv',
    [x, b.initializer('w', random([3, 2, 3, 4], 6))],
    { strides: attr.ints([2, 3]), auto_pad: attr.string('SAME_UPPER') },
    { outputs: ['same_upper'] },
  );
  b.node('Conv', [x, b.initializer('w2', random([3, 2, 4, 2], 7))], { auto_pad: attr.string('SAME_LOWER') }, { outputs: ['same_lower'] });
  b.node(
    'Conv',
    [x, b.initializer('w3', random([4, 1, 3, 3], 8))],
    { group: attr.int(2), dilations: attr.ints([2, 2]), auto_pad: attr.string('VALID') },
    { outputs: ['grouped'] },
  );
  for (const o of ['mp_ceil', 'mp_ceil_pad', 'mp_ceil_edge', 'ap_ceil_edge', 'mp_dil', 'ap_ceil', 'same_upper', 'same_lower', 'grouped'])
    b.output(o, 'float32');
  await assertAgree('windows', b.build(13), [2, 2, 9, 10]);
});

test('a fixed-batch export (batch 1, Constant [1, -1] reshape) runs at another batch size', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 3, 4]);
  const r = b.node('Reshape', [x, b.node('Constant', [], { value: attr.tensor(i64([1, -1])) })]);
  b.output(b.node('Relu', [r], {}, { outputs: ['y'] }), 'float32', [1, 12]);
  const net = importOnnx(b.build(13), 'fixed.onnx');
  const input = random([5, 3, 4], 9);
  const out = await (await runner.session('fixed:msat', () => networkToOnnxBytes(net))).run({ x: input });
  assert.deepEqual(out.y.dims, [5, 12]);
  assert.deepEqual(
    Array.from(out.y.data as Float32Array),
    Array.from(input.data, (v) => Math.max(v, 0)),
  );
});

test('1-D convolution and pooling over an embedding', async () => {
  const b = new GraphBuilder();
  const ids = b.input('ids', 'int64', ['N', 12]);
  const e = b.node('Gather', [b.initializer('table', random([30, 4], 10)), ids]);
  const t = b.node('Transpose', [e], { perm: attr.ints([0, 2, 1]) });
  const c = b.node('Conv', [t, b.initializer('w', random([5, 4, 3], 11)), b.initializer('b', random([5], 12))], { pads: attr.ints([1, 1]) });
  const p = b.node('MaxPool', [b.node('Relu', [c])], { kernel_shape: attr.ints([4]), strides: attr.ints([4]) });
  b.output(b.node('Flatten', [p], {}, { outputs: ['y'] }), 'float32');
  const net = importOnnx(b.build(14), 'text.onnx');
  const feeds = { ids: { type: 'int64', dims: [2, 12], data: BigInt64Array.from({ length: 24 }, (_, i) => BigInt((i * 7) % 30)) } as Tensor };
  const original = await (await runner.session('text:original', () => encodeOnnxModel(b.build(14)))).run(feeds);
  const ours = await (await runner.session('text:msat', () => networkToOnnxBytes(net))).run(feeds);
  assert.deepEqual(ours.y, original.y);
  assert.deepEqual(net.layers.at(-1)!.outShape, ['N', 15]);
});

test('float16 weights: half the bytes, weights read back as their float16 roundings, onnxruntime output within float16 error of float32', async () => {
  const { loadNetwork } = await import('../../src/model/index.js');
  const { float16BitsToNumber, numberToFloat16Bits } = await import('../../src/onnx/index.js');
  const net = await loadNetwork(new URL('../../models/mnist-cnn.onnx', import.meta.url).pathname);
  const full = networkToOnnxBytes(net);
  const half = networkToOnnxBytes(net, { weights: 'float16' });
  assert.ok(half.length < 0.55 * full.length, `float16 file ${half.length} bytes vs float32 ${full.length}`);
  const back = importOnnx((await import('../../src/onnx/index.js')).decodeOnnxModel(half, 'half.onnx'), 'half.onnx');
  assert.deepEqual(
    back.layers.map((l) => l.kind),
    net.layers.map((l) => l.kind),
  );
  for (const [i, layer] of net.layers.entries()) {
    if (!('weight' in layer) || !layer.weight) continue;
    const w = layer.weight.data as Float32Array;
    const got = (back.layers[i] as typeof layer).weight!.data as Float32Array;
    for (let j = 0; j < w.length; j++) assert.equal(got[j], float16BitsToNumber(numberToFloat16Bits(w[j])), `${layer.name} weight ${j}`);
  }
  const feeds = { [net.inputs[0].name]: random([4, 1, 28, 28], 3) };
  const a = (await (await runner.session('f16:full', () => full)).run(feeds))[net.outputs[0]].data as Float32Array;
  const b = (await (await runner.session('f16:half', () => half)).run(feeds))[net.outputs[0]].data as Float32Array;
  const scale = Math.max(...a.map(Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-2 * scale, `logit ${i}: ${a[i]} vs ${b[i]}`);
});
