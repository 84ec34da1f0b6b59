// ONNX -> Network on graphs built with GraphBuilder: glue folding, fusions, aliasing and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/errors.js';
import { floatTensor, type Tensor } from '../../src/core/tensor.js';
import { GraphBuilder, attr, decodeOnnxModel, encodeOnnxModel, type OnnxModel } from '../../src/onnx/index.js';
import { importOnnx, type Layer, type Network } from '../../src/model/index.js';

const i64 = (values: number[], dims = [values.length]): Tensor => ({ type: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) });
const ramp = (dims: number[], scale = 0.01): Tensor<'float32'> => {
  const n = dims.reduce((a, b) => a * b, 1);
  return floatTensor(
    dims,
    Array.from({ length: n }, (_, i) => ((i * 7919) % 23) * scale - 0.1),
  );
};

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    assert.ok(isMsatError(e), `expected MsatError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

const kinds = (n: Network): string[] => n.layers.map((l) => l.kind);
const only = <K extends Layer['kind']>(n: Network, kind: K): Extract<Layer, { kind: K }> => {
  const found = n.layers.filter((l) => l.kind === kind);
  assert.equal(found.length, 1, `one ${kind} layer`);
  return found[0] as Extract<Layer, { kind: K }>;
};

/** conv -> relu -> x.view(x.size(0), -1) as PyTorch exports it, then a Gemm. */
function viewGlueModel(opset: number, batch: number | string = 'batch'): OnnxModel {
  const b = new GraphBuilder();
  const x = b.input('input', 'float32', [batch, 3, 8, 8]);
  const c = b.node(
    'Conv',
    [x, b.initializer('w', ramp([4, 3, 3, 3])), b.initializer('b', ramp([4]))],
    { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) },
    { name: 'conv' },
  );
  const r = b.node('Relu', [c], {}, { name: 'relu' });
  const shape = b.node('Shape', [r], {}, { name: 'shape' });
  const zero = b.node('Constant', [], { value: attr.tensor(i64([0], [])) });
  const n = b.node('Gather', [shape, zero], { axis: attr.int(0) }, { name: 'gather' });
  const u =
    opset >= 13
      ? b.node('Unsqueeze', [n, b.node('Constant', [], { value: attr.tensor(i64([0])) })], {}, { name: 'unsqueeze' })
      : b.node('Unsqueeze', [n], { axes: attr.ints([0]) }, { name: 'unsqueeze' });
  const minusOne = b.node('Constant', [], { value: attr.tensor(i64([-1])) });
  const target = b.node('Concat', [u, minusOne], { axis: attr.int(0) }, { name: 'concat' });
  const flat = b.node('Reshape', [r, target], {}, { name: 'view' });
  const d = b.node('Dropout', [flat], {}, { name: 'drop' });
  const y = b.node(
    'Gemm',
    [d, b.initializer('fc.w', ramp([5, 256])), b.initializer('fc.b', ramp([5]))],
    { transB: attr.int(1) },
    { name: 'fc', outputs: ['output'] },
  );
  b.output(y, 'float32', [batch, 5]);
  return b.build(opset);
}

test('the Shape/Gather/Unsqueeze/Concat/Reshape view() glue folds into one reshape (opset 11 and 13)', () => {
  for (const opset of [11, 13]) {
    const net = importOnnx(viewGlueModel(opset), `view${opset}.onnx`);
    assert.deepEqual(kinds(net), ['conv', 'relu', 'reshape', 'linear'], `opset ${opset}`);
    const reshape = only(net, 'reshape');
    assert.equal(reshape.name, 'view');
    assert.deepEqual(reshape.shape, ['N', 256]);
    assert.deepEqual(reshape.outShape, ['N', 256]);
    assert.deepEqual(net.inputs, [{ name: 'input', type: 'float32', dims: ['N', 3, 8, 8] }]);
    assert.deepEqual(net.outputs, ['output']);
    assert.equal(only(net, 'linear').inputs[0], reshape.output, 'Dropout is aliased away');
  }
});

test('a model exported with a fixed batch gets a symbolic batch, and its literal batch in reshape targets is understood', () => {
  const b = new GraphBuilder();
  const x = b.input('input', 'float32', [1, 2, 3, 4]);
  const y = b.node('Reshape', [x, b.initializer('shape', i64([1, -1]))], {}, { name: 'flat' });
  b.output(b.node('Relu', [y], {}, { outputs: ['out'] }), 'float32', [1, 24]);
  const net = importOnnx(b.build(13), 'fixed.onnx');
  assert.deepEqual(net.inputs[0].dims, ['N', 2, 3, 4]);
  assert.deepEqual(only(net, 'reshape').shape, ['N', 24]);
});

test('an unsupported operator names the file, the node and the operator, and lists what is supported', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 4]);
  b.output(b.node('Sigmoid', [x], {}, { name: 'gate' }), 'float32');
  const e = errorOf(() => importOnnx(b.build(13), 'models/sig.onnx'));
  assert.equal(e.code, 'ONNX_UNSUPPORTED_OP');
  assert.match(e.message, /^models\/sig\.onnx: node "gate" uses operator Sigmoid, which msat does not support; supported: Conv, Gemm/);

  const c = new GraphBuilder();
  const y = c.input('x', 'float32', ['N', 4]);
  c.output(c.node('FusedThing', [y], {}, { name: 'custom', domain: 'com.example' }), 'float32');
  assert.match(errorOf(() => importOnnx(c.build(13), 'c.onnx')).message, /node "custom" uses operator com\.example::FusedThing/);

  // Arithmetic is only folded on constants; on data it is an unsupported operator.
  const d = new GraphBuilder();
  const z = d.input('x', 'float32', ['N', 4]);
  d.output(d.node('Mul', [z, d.initializer('k', floatTensor([1], [2]))], {}, { name: 'scale' }), 'float32');
  assert.match(errorOf(() => importOnnx(d.build(13), 'd.onnx')).message, /node "scale" uses operator Mul/);
});

test('unsupported attribute values name the attribute', () => {
  const cases: [string, (b: GraphBuilder, x: string) => string, RegExp][] = [
    [
      'gemm-transA',
      (b, x) => b.node('Gemm', [x, b.initializer('w', ramp([4, 3]))], { transA: attr.int(1) }, { name: 'fc' }),
      /node "fc" \(Gemm\) has attribute transA = 1/,
    ],
    [
      'pool-autopad',
      (b, x) =>
        b.node(
          'MaxPool',
          [b.node('Reshape', [x, b.initializer('s', i64([0, 1, 2, 2]))])],
          { kernel_shape: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER'), ceil_mode: attr.int(1) },
          { name: 'pool' },
        ),
      /node "pool" \(MaxPool\) has attribute auto_pad = SAME_UPPER/,
    ],
    [
      'transpose-batch',
      (b, x) => b.node('Transpose', [x], { perm: attr.ints([1, 0]) }, { name: 't' }),
      /node "t" \(Transpose\) has attribute perm = \[1, 0\]/,
    ],
    [
      'bn-training',
      (b, x) =>
        b.node(
          'BatchNormalization',
          [x, ...['s', 'b', 'm', 'v'].map((n) => b.initializer(n, ramp([4])))],
          { training_mode: attr.int(1) },
          { name: 'bn' },
        ),
      /attribute training_mode = 1/,
    ],
    ['concat-batch', (b, x) => b.node('Concat', [x, x], { axis: attr.int(0) }, { name: 'cat' }), /node "cat" \(Concat\) has attribute axis = 0/],
  ];
  for (const [label, make, pattern] of cases) {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', ['N', 4]);
    b.output(make(b, x), 'float32');
    const e = errorOf(() => importOnnx(b.build(13), `${label}.onnx`));
    assert.equal(e.code, 'ONNX_UNSUPPORTED_OP', label);
    assert.match(e.message, new RegExp(`^${label}\\.onnx: `), label);
    assert.match(e.message, pattern, label);
  }
});

test('opsets outside 11..17 are refused with a hint', () => {
  for (const opset of [10, 18]) {
    const b = new GraphBuilder();
    b.output(b.node('Relu', [b.input('x', 'float32', ['N', 2])]), 'float32');
    const e = errorOf(() => importOnnx(b.build(opset), 'old.onnx'));
    assert.equal(e.code, 'ONNX_UNSUPPORTED_OPSET');
    assert.match(e.message, new RegExp(`opset ${opset}; msat imports opsets 11 to 17`));
  }
});

test('Gemm alpha, beta and transB = 0 are normalized into weight [out, in] and bias [out]', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 2]);
  const B = floatTensor([2, 3], [1, 2, 3, 4, 5, 6]); // [in, out] because transB = 0
  const y = b.node(
    'Gemm',
    [x, b.initializer('B', B), b.initializer('C', floatTensor([1, 3], [1, 1, 2]))],
    { alpha: attr.float(2), beta: attr.float(0.5) },
    { name: 'fc' },
  );
  b.output(y, 'float32');
  const fc = only(importOnnx(b.build(13), 'gemm.onnx'), 'linear');
  assert.deepEqual(fc.weight.dims, [3, 2]);
  assert.deepEqual(Array.from(fc.weight.data), [2, 8, 4, 10, 6, 12]);
  assert.deepEqual(Array.from(fc.bias!.data), [0.5, 0.5, 1]);
  assert.deepEqual(fc.outShape, ['N', 3]);
});

test('MatMul with a constant weight followed by Add of a constant bias fuses into one linear (also on 3-D input)', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 5, 4]);
  const m = b.node('MatMul', [x, b.initializer('W', ramp([4, 3]))], {}, { name: 'proj' });
  const y = b.node('Add', [b.initializer('bias', floatTensor([3], [1, 2, 3])), m], {}, { name: 'proj_bias', outputs: ['y'] });
  b.output(b.node('Relu', [y], {}, { outputs: ['out'] }), 'float32');
  const net = importOnnx(b.build(17), 'mm.onnx');
  assert.deepEqual(kinds(net), ['linear', 'relu']);
  const fc = only(net, 'linear');
  assert.equal(fc.name, 'proj');
  assert.equal(fc.output, 'y');
  assert.deepEqual(fc.weight.dims, [3, 4]);
  assert.deepEqual(Array.from(fc.bias!.data), [1, 2, 3]);
  assert.deepEqual(fc.outShape, ['N', 5, 3]);
});

test('a trailing Identity keeps the graph output name on the producing layer', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 4]);
  const r = b.node('Relu', [x], {}, { name: 'relu' });
  b.output(b.node('Identity', [r], {}, { outputs: ['logits'] }), 'float32');
  const net = importOnnx(b.build(13), 'id.onnx');
  assert.deepEqual(net.outputs, ['logits']);
  assert.equal(net.layers[0].output, 'logits');
});

test('Squeeze and Unsqueeze read axes from attributes (opset < 13) and from constant inputs (opset >= 13)', () => {
  for (const opset of [11, 13]) {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', ['N', 4, 1]);
    const axes = (v: number[]): [string[], Record<string, ReturnType<typeof attr.ints>>] =>
      opset >= 13 ? [[b.initializer(`axes_${v.join('_')}`, i64(v))], {}] : [[], { axes: attr.ints(v) }];
    const [sIn, sAttr] = axes([-1]);
    const s = b.node('Squeeze', [x, ...sIn], sAttr, { name: 'sq' });
    const [uIn, uAttr] = axes([1, 3]);
    b.output(b.node('Unsqueeze', [s, ...uIn], uAttr, { name: 'unsq' }), 'float32');
    const net = importOnnx(b.build(opset), 'sq.onnx');
    assert.deepEqual(only(net, 'squeeze').axes, [2]);
    assert.deepEqual(only(net, 'squeeze').outShape, ['N', 4]);
    assert.deepEqual(only(net, 'unsqueeze').axes, [1, 3]);
    assert.deepEqual(only(net, 'unsqueeze').outShape, ['N', 1, 4, 1]);
  }
});

test('a zero Pad disappears; a non-zero zero-valued Pad folds into the next AveragePool or Conv', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 2, 6, 6]);
  const p0 = b.node('Pad', [x, b.initializer('zeros', i64(new Array(8).fill(0)))], { mode: attr.string('constant') }, { name: 'pad0' });
  const p1 = b.node('Pad', [p0, b.initializer('p1', i64([0, 0, 1, 1, 0, 0, 1, 1]))], {}, { name: 'pad1' });
  const a = b.node('AveragePool', [p1], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, { name: 'avg' });
  const p2 = b.node('Pad', [a, b.initializer('p2', i64([0, 0, 0, 1, 0, 0, 2, 0]))], {}, { name: 'pad2' });
  b.output(b.node('Conv', [p2, b.initializer('w', ramp([3, 2, 3, 3]))], { pads: attr.ints([1, 1, 1, 1]) }, { name: 'conv' }), 'float32');
  const net = importOnnx(b.build(11), 'pad.onnx');
  assert.deepEqual(kinds(net), ['avgpool', 'conv']);
  const avg = only(net, 'avgpool');
  assert.deepEqual(avg.pads, [1, 1, 1, 1]);
  assert.equal(avg.countIncludePad, true);
  assert.deepEqual(avg.inputs, ['x']);
  assert.deepEqual(avg.outShape, ['N', 2, 4, 4]);
  assert.deepEqual(only(net, 'conv').pads, [1, 2, 3, 1]);

  const c = new GraphBuilder();
  const y = c.input('x', 'float32', ['N', 2, 6, 6]);
  const q = c.node('Pad', [y, c.initializer('p', i64([0, 0, 1, 1, 0, 0, 1, 1]))], {}, { name: 'pad' });
  c.output(c.node('Relu', [q], {}, { name: 'relu' }), 'float32');
  const e = errorOf(() => importOnnx(c.build(13), 'padrelu.onnx'));
  assert.equal(e.code, 'ONNX_UNSUPPORTED_OP');
  assert.match(e.message, /node "relu" \(Relu\) reads a zero-padded tensor/);
});

test('Gather of an initializer table by int64 input ids becomes an embedding; integer data paths are refused', () => {
  const b = new GraphBuilder();
  const ids = b.input('ids', 'int64', ['N', 7]);
  const e = b.node('Gather', [b.initializer('table', ramp([50, 6])), ids], {}, { name: 'embed' });
  b.output(b.node('Transpose', [e], { perm: attr.ints([0, 2, 1]) }, { name: 't' }), 'float32');
  const net = importOnnx(b.build(14), 'emb.onnx');
  assert.deepEqual(kinds(net), ['embedding', 'transpose']);
  assert.deepEqual(only(net, 'embedding').outShape, ['N', 7, 6]);
  assert.deepEqual(only(net, 'transpose').outShape, ['N', 6, 7]);

  const c = new GraphBuilder();
  const x = c.input('ids', 'int64', ['N', 7]);
  c.output(c.node('Unsqueeze', [x, c.initializer('ax', i64([2]))], {}, { name: 'u' }), 'int64');
  assert.match(errorOf(() => importOnnx(c.build(13), 'int.onnx')).message, /node "u" \(Unsqueeze\) computes on int64 tensor "ids"/);
});

test('symbolic non-batch input dims, cycles and shape mismatches give clear errors', () => {
  const b = new GraphBuilder();
  b.output(b.node('Relu', [b.input('x', 'float32', ['N', 'T', 4])]), 'float32');
  const dyn = errorOf(() => importOnnx(b.build(13), 'dyn.onnx'));
  assert.equal(dyn.code, 'ONNX_UNSUPPORTED_SHAPE');
  assert.match(dyn.message, /input "x" has shape \[N, T, 4\]/);

  const c = new GraphBuilder();
  const x = c.input('x', 'float32', ['N', 4]);
  c.node('Add', [x, 'b_out'], {}, { name: 'a', outputs: ['a_out'] });
  c.node('Relu', ['a_out'], {}, { name: 'b', outputs: ['b_out'] });
  c.output('b_out', 'float32');
  const cycle = errorOf(() => importOnnx(decodeOnnxModel(encodeOnnxModel(c.build(13)), 'cyc.onnx'), 'cyc.onnx'));
  assert.equal(cycle.code, 'ONNX_MALFORMED');
  assert.match(cycle.message, /cycle/);

  const d = new GraphBuilder();
  const y = d.input('x', 'float32', ['N', 3, 8, 8]);
  d.output(d.node('Conv', [y, d.initializer('w', ramp([4, 2, 3, 3]))], {}, { name: 'conv' }), 'float32');
  const mismatch = errorOf(() => importOnnx(d.build(13), 'mis.onnx'));
  assert.equal(mismatch.code, 'MODEL_SHAPE');
  assert.match(mismatch.message, /^mis\.onnx: layer "conv" \(conv\): expects 2 input channels/);
});

test('layers that do not reach an output are dropped; residual adds and concats keep both inputs', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 2, 4, 4]);
  const c1 = b.node('Conv', [x, b.initializer('w1', ramp([2, 2, 1, 1]))], {}, { name: 'c1' });
  b.node('Relu', [c1], {}, { name: 'dead' });
  const s = b.node('Add', [c1, x], {}, { name: 'res' });
  const cat = b.node('Concat', [s, x], { axis: attr.int(-3) }, { name: 'cat' });
  b.output(b.node('GlobalAveragePool', [cat], {}, { name: 'gap' }), 'float32');
  const net = importOnnx(b.build(13), 'res.onnx');
  assert.deepEqual(kinds(net), ['conv', 'add', 'concat', 'globalavgpool']);
  assert.deepEqual(only(net, 'add').inputs, [c1, x]);
  assert.equal(only(net, 'concat').axis, 1);
  assert.deepEqual(only(net, 'globalavgpool').outShape, ['N', 4, 1, 1]);
});

test('corrupted copies of a model import to an MsatError or a network, never another exception', () => {
  const bytes = encodeOnnxModel(viewGlueModel(13));
  let seed = 2024;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let k = 0; k < 3000; k++) {
    const corrupt = bytes.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let j = 0; j < flips; j++) corrupt[Math.floor(rand() * corrupt.length)] = Math.floor(rand() * 256);
    try {
      importOnnx(decodeOnnxModel(corrupt, 'corrupt.onnx'), 'corrupt.onnx');
    } catch (e) {
      assert.ok(isMsatError(e), `flip set ${k}: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
});

test('a NaN or infinite weight is refused at import, naming the file, the layer, the tensor and the index', async () => {
  const { readOnnxModel } = await import('../../src/onnx/index.js');
  const path = new URL('../fixtures/quickstart-mnist.onnx', import.meta.url).pathname;
  const model = await readOnnxModel(path);
  assert.equal(importOnnx(model, path).layers.length > 0, true, 'the PyTorch export imports as it is');
  for (const bad of [NaN, Infinity]) {
    const initializers = new Map(model.graph.initializers);
    const [name, tensor] = [...initializers].find(([, t]) => t.type === 'float32' && t.dims.length === 1)!;
    const data = Float32Array.from(tensor.data as Float32Array);
    data[3] = bad;
    initializers.set(name, { ...tensor, data } as Tensor);
    const damaged: OnnxModel = { ...model, graph: { ...model.graph, initializers } };
    assert.throws(
      () => importOnnx(damaged, path),
      (e: unknown) =>
        isMsatError(e) &&
        e.code === 'ONNX_MALFORMED' &&
        new RegExp(`quickstart-mnist\\.onnx: layer ".+" \\(\\w+\\): its \\w+ holds ${bad} at index 3 of`).test(e.message),
    );
  }
});
