// GraphBuilder: unique names, reserved names and the IR version it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/errors.js';
import { floatTensor } from '../../src/core/tensor.js';
import { GraphBuilder, attr, defaultOpset, irVersionForOpset } from '../../src/onnx/index.js';

test('GraphBuilder hands out unique tensor and node names', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', ['N', 4]);
  const w1 = b.initializer('w', floatTensor([4, 4], new Float32Array(16)));
  const w2 = b.initializer('w', floatTensor([4, 4], new Float32Array(16)));
  assert.equal(w1, 'w');
  assert.notEqual(w2, w1);
  const y1 = b.node('MatMul', [x, w1]);
  const y2 = b.node('MatMul', [y1, w2]);
  assert.notEqual(y1, y2);
  const reserved = b.fresh('out');
  const z = b.node('Relu', [y2], {}, { outputs: [reserved], name: 'act' });
  assert.equal(z, reserved);
  b.node('Relu', [z], {}, { name: 'act' }); // a duplicate node name is made unique
  b.output(z, 'float32', ['N', 4]);
  const m = b.build(11, { producerName: 'unit' });
  assert.equal(defaultOpset(m), 11);
  assert.equal(m.irVersion, 6);
  assert.equal(m.producerName, 'unit');
  const names = m.graph.nodes.map((n) => n.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(m.graph.nodes[2].attributes, {});
  assert.throws(
    () => b.input('x', 'float32', [1]),
    (e: unknown) => isMsatError(e) && e.code === 'ONNX_BUILD',
  );
  assert.throws(
    () => b.node('Relu', [x], {}, { outputs: [y1] }),
    (e: unknown) => isMsatError(e) && /"matmul_0" is already used/.test(e.message),
  );
});

test('attr constructors tag values with their ONNX attribute type', () => {
  assert.deepEqual(attr.float(1), { type: 'float', value: 1 });
  assert.deepEqual(attr.int(1), { type: 'int', value: 1 });
  assert.deepEqual(attr.ints([1, 2]), { type: 'ints', value: [1, 2] });
});

test('irVersionForOpset follows the ONNX release table', () => {
  assert.deepEqual([11, 12, 13, 14, 15, 17, 18, 19, 21].map(irVersionForOpset), [6, 7, 7, 7, 8, 8, 8, 9, 10]);
});
