// Reading and writing ONNX bytes: round trips, initializer encodings, and robustness against corrupt files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// This test file belongs to the onnx layer, so it may touch protobuf to craft encodings msat never writes.
import onnxProto from 'onnx-proto';
import { isMsatError } from '../../src/core/errors.js';
import { floatTensor, type Tensor } from '../../src/core/tensor.js';
import {
  GraphBuilder,
  attr,
  decodeOnnxModel,
  encodeOnnxModel,
  float16BitsToNumber,
  numberToFloat16Bits,
  readOnnxModel,
  type OnnxModel,
} from '../../src/onnx/index.js';

const { onnx } = onnxProto;

function smallModel(): OnnxModel {
  const b = new GraphBuilder('small');
  const x = b.input('x', 'float32', ['N', 2, 4, 4]);
  const w = b.initializer(
    'w',
    floatTensor(
      [3, 2, 3, 3],
      Array.from({ length: 54 }, (_, i) => i / 10 - 2),
    ),
  );
  const bias = b.initializer('b', floatTensor([3], [0.5, -0.25, 1]));
  const shape = b.initializer('shape', { type: 'int64', dims: [2], data: BigInt64Array.from([0n, -1n]) });
  const idx = b.initializer('idx', { type: 'int32', dims: [2, 1], data: Int32Array.from([7, -3]) });
  const c = b.node(
    'Conv',
    [x, w, bias],
    {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
      group: attr.int(1),
      alpha: attr.float(1),
      note: attr.string('héllo'),
      tags: attr.strings(['a', 'b']),
      scales: attr.floats([0.5, 2]),
      value: attr.tensor(floatTensor([2], [1.5, -2])),
    },
    { name: 'conv' },
  );
  const r = b.node('Relu', [c], {}, { name: 'relu', outputs: ['y_relu'] });
  const y = b.node('Reshape', [r, shape], {}, { name: 'flat', outputs: ['y'] });
  b.node('Identity', [idx], {}, { outputs: ['idx_out'] });
  b.output(y, 'float32', ['N', 48]);
  b.output('idx_out', 'int32', [2, 1]);
  return b.build(13, { metadata: { author: 'test', 'msat.version': '0.1.0' } });
}

function assertModelsEqual(a: OnnxModel, b: OnnxModel): void {
  assert.equal(b.irVersion, a.irVersion);
  assert.deepEqual(b.opsetImports, a.opsetImports);
  assert.equal(b.producerName, a.producerName);
  assert.deepEqual(b.metadata, a.metadata);
  assert.equal(b.graph.name, a.graph.name);
  assert.deepEqual(b.graph.inputs, a.graph.inputs);
  assert.deepEqual(b.graph.outputs, a.graph.outputs);
  assert.deepEqual(b.graph.nodes, a.graph.nodes);
  assert.deepEqual([...b.graph.initializers.keys()], [...a.graph.initializers.keys()]);
  for (const [k, t] of a.graph.initializers) assert.deepEqual(b.graph.initializers.get(k), t, k);
}

/** Runs `f`, which must throw an MsatError; returns it. Any other exception type fails the test. */
function msatErrorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    assert.ok(isMsatError(e), `expected an MsatError, got ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

/** Re-encodes `model` with its initializer `name` replaced by a hand-made TensorProto. */
function withInitializerProto(model: OnnxModel, name: string, proto: Record<string, unknown>): Uint8Array {
  const m = onnx.ModelProto.decode(encodeOnnxModel(model));
  const inits = m.graph!.initializer!;
  inits[inits.findIndex((t) => t.name === name)] = onnx.TensorProto.create({ name, ...proto });
  return onnx.ModelProto.encode(m).finish();
}

test('encode -> decode reproduces a built model (nodes, every attribute type, initializers, metadata)', () => {
  const model = smallModel();
  const decoded = decodeOnnxModel(encodeOnnxModel(model), 'small.onnx');
  assertModelsEqual(model, decoded);
  assertModelsEqual(model, decodeOnnxModel(encodeOnnxModel(decoded), 'again.onnx'));
});

test('float16 initializers are widened to float32 (raw_data and int32_data forms), double is narrowed', () => {
  const values = [0, 1, -2.5, 0.099975586, 65504, -6.1035156e-5, 5.9604645e-8];
  const bits = values.map(numberToFloat16Bits);
  assert.deepEqual(
    bits.map(float16BitsToNumber),
    values.map((v) => Math.fround(v)).map((v) => float16BitsToNumber(numberToFloat16Bits(v))),
  );
  assert.equal(float16BitsToNumber(0x3c00), 1);
  assert.equal(float16BitsToNumber(0xc000), -2);
  assert.equal(float16BitsToNumber(0x7bff), 65504);
  assert.equal(float16BitsToNumber(0x0001), 2 ** -24);
  assert.equal(float16BitsToNumber(0x7c00), Infinity);
  assert.ok(Number.isNaN(float16BitsToNumber(0x7e00)));

  const model = smallModel();
  const raw = new Uint8Array(2 * 3);
  const view = new DataView(raw.buffer);
  [0x3c00, 0xc000, 0x3555].forEach((h, i) => view.setUint16(2 * i, h, true));
  const expected = [1, -2, float16BitsToNumber(0x3555)];
  const viaRaw = decodeOnnxModel(withInitializerProto(model, 'b', { dims: [3], dataType: 10, rawData: raw }), 'f16raw.onnx');
  const viaInt32 = decodeOnnxModel(withInitializerProto(model, 'b', { dims: [3], dataType: 10, int32Data: [0x3c00, 0xc000, 0x3555] }), 'f16i32.onnx');
  for (const m of [viaRaw, viaInt32]) {
    const t = m.graph.initializers.get('b')!;
    assert.equal(t.type, 'float32');
    assert.deepEqual(Array.from(t.data as Float32Array), expected.map(Math.fround));
  }
  const viaDouble = decodeOnnxModel(withInitializerProto(model, 'b', { dims: [3], dataType: 11, doubleData: [0.1, 2, -3] }), 'f64.onnx');
  assert.deepEqual(Array.from(viaDouble.graph.initializers.get('b')!.data as Float32Array), [0.1, 2, -3].map(Math.fround));
});

test('float_data, int64_data and int32_data (non-raw encodings) decode like raw_data', () => {
  const model = smallModel();
  const f = decodeOnnxModel(withInitializerProto(model, 'b', { dims: [3], dataType: 1, floatData: [0.5, -0.25, 1] }), 'x.onnx');
  assert.deepEqual(f.graph.initializers.get('b'), model.graph.initializers.get('b'));
  const l = decodeOnnxModel(withInitializerProto(model, 'shape', { dims: [2], dataType: 7, int64Data: [0, -1] }), 'x.onnx');
  assert.deepEqual(l.graph.initializers.get('shape'), model.graph.initializers.get('shape'));
  const i = decodeOnnxModel(withInitializerProto(model, 'idx', { dims: [2, 1], dataType: 6, int32Data: [7, -3] }), 'x.onnx');
  assert.deepEqual(i.graph.initializers.get('idx'), model.graph.initializers.get('idx'));
});

test('every truncation of a model is ONNX_MALFORMED naming the file, never another exception', () => {
  const bytes = encodeOnnxModel(smallModel());
  for (let cut = 0; cut < bytes.length; cut++) {
    const e = msatErrorOf(() => decodeOnnxModel(bytes.subarray(0, cut), 'cut.onnx'));
    assert.equal(e.code, 'ONNX_MALFORMED', `cut at ${cut}: ${e.message}`);
    assert.match(e.message, /^cut\.onnx: not a valid ONNX model: /);
  }
});

test('random and corrupted bytes give an MsatError or a model, never another exception', () => {
  const bytes = encodeOnnxModel(smallModel());
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let k = 0; k < 300; k++) {
    const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    try {
      decodeOnnxModel(junk, 'junk.onnx');
    } catch (e) {
      assert.ok(isMsatError(e), String(e));
    }
    const flipped = bytes.slice();
    for (let j = 0; j < 3; j++) flipped[Math.floor(rand() * flipped.length)] = Math.floor(rand() * 256);
    try {
      decodeOnnxModel(flipped, 'flipped.onnx');
    } catch (e) {
      assert.ok(isMsatError(e), String(e));
    }
  }
});

test('structural problems are ONNX_MALFORMED with a reason', () => {
  const empty = msatErrorOf(() => decodeOnnxModel(new Uint8Array(), 'empty.onnx'));
  assert.equal(empty.code, 'ONNX_MALFORMED');

  const mismatch = msatErrorOf(() =>
    decodeOnnxModel(withInitializerProto(smallModel(), 'b', { dims: [4], dataType: 1, floatData: [1, 2, 3] }), 'm.onnx'),
  );
  assert.equal(mismatch.code, 'ONNX_MALFORMED');
  assert.match(mismatch.message, /initializer "b" has dims \[4\] \(4 elements\) but its data holds 3/);

  const b = new GraphBuilder();
  b.input('x', 'float32', ['N', 2]);
  b.node('Relu', ['nowhere'], {}, { outputs: ['y'], name: 'r' });
  b.output('y', 'float32');
  const undef = msatErrorOf(() => decodeOnnxModel(encodeOnnxModel(b.build()), 'u.onnx'));
  assert.equal(undef.code, 'ONNX_MALFORMED');
  assert.match(undef.message, /node "r" \(Relu\) reads tensor "nowhere"/);

  const noNodes = new GraphBuilder();
  noNodes.input('x', 'float32', ['N', 2]);
  noNodes.output('x', 'float32');
  assert.equal(msatErrorOf(() => decodeOnnxModel(encodeOnnxModel(noNodes.build()), 'n.onnx')).code, 'ONNX_MALFORMED');
});

test('element types msat cannot hold and subgraphs are rejected with their own codes', () => {
  const boolInit = msatErrorOf(() =>
    decodeOnnxModel(withInitializerProto(smallModel(), 'b', { dims: [3], dataType: 9, rawData: new Uint8Array([1, 0, 1]) }), 'bool.onnx'),
  );
  assert.equal(boolInit.code, 'ONNX_UNSUPPORTED_DTYPE');
  assert.match(boolInit.message, /bool\.onnx: initializer "b" has element type BOOL/);

  const m = onnx.ModelProto.decode(encodeOnnxModel(smallModel()));
  m.graph!.node![0].attribute!.push(
    onnx.AttributeProto.create({ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: { name: 'sub' } }),
  );
  const sub = msatErrorOf(() => decodeOnnxModel(onnx.ModelProto.encode(m).finish(), 'if.onnx'));
  assert.equal(sub.code, 'ONNX_UNSUPPORTED_OP');
  assert.match(sub.message, /if\.onnx: attribute "then_branch" of node "conv" \(Conv\) is a subgraph/);
});

test('readOnnxModel: a missing file is ONNX_NOT_FOUND, a written file reads back', async () => {
  await assert.rejects(
    readOnnxModel('/nonexistent/dir/model.onnx'),
    (e: unknown) => isMsatError(e) && e.code === 'ONNX_NOT_FOUND' && e.message.includes('/nonexistent/dir/model.onnx'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'msat-onnx-'));
  const path = join(dir, 'm.onnx');
  const model = smallModel();
  writeFileSync(path, encodeOnnxModel(model));
  assertModelsEqual(model, await readOnnxModel(path));
  writeFileSync(path, 'definitely not protobuf, just text\n');
  await assert.rejects(readOnnxModel(path), (e: unknown) => isMsatError(e) && e.code === 'ONNX_MALFORMED' && e.message.startsWith(path));
});

test('int64 initializers keep values beyond 2^53 exactly', () => {
  const big: Tensor = { type: 'int64', dims: [2], data: BigInt64Array.from([9223372036854775807n, -9007199254740993n]) };
  const b = new GraphBuilder();
  b.input('x', 'int64', ['N']);
  const k = b.initializer('k', big);
  b.output(b.node('Add', ['x', k]), 'int64');
  const back = decodeOnnxModel(encodeOnnxModel(b.build()), 'big.onnx');
  assert.deepEqual(back.graph.initializers.get('k'), big);
});
