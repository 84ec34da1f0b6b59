// Parameter and MAC counts against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatTensor } from '../../src/core/tensor.js';
import { GraphBuilder, attr } from '../../src/onnx/index.js';
import { formatSummary, importOnnx, summarizeNetwork } from '../../src/model/index.js';

const zeros = (dims: number[]) => floatTensor(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)));

test('MACs: conv = outC·outH·outW·(inC/group)·kH·kW, linear = in·out per position; params count every tensor', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 4, 10, 10]);
  const c1 = b.node(
    'Conv',
    [x, b.initializer('w1', zeros([8, 4, 3, 3])), b.initializer('b1', zeros([8]))],
    { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) },
    { name: 'conv' },
  );
  const c2 = b.node(
    'Conv',
    [c1, b.initializer('w2', zeros([8, 2, 3, 3]))],
    { group: attr.int(4), pads: attr.ints([1, 1, 1, 1]) },
    { name: 'grouped' },
  );
  const bn = b.node('BatchNormalization', [c2, ...['s', 'bb', 'm', 'v'].map((n) => b.initializer(n, zeros([8])))], {}, { name: 'bn' });
  const r = b.node('Relu', [bn], {}, { name: 'relu' });
  const f = b.node(
    'Reshape',
    [r, b.initializer('shape', { type: 'int64', dims: [3], data: BigInt64Array.from([0n, 8n, 25n]) })],
    {},
    { name: 'seq' },
  );
  const fc = b.node('MatMul', [f, b.initializer('W', zeros([25, 6]))], {}, { name: 'fc' });
  b.output(b.node('Add', [fc, b.initializer('bias', zeros([6]))], {}, { name: 'fc_bias' }), 'float32');
  const s = summarizeNetwork(importOnnx(b.build(13), 'macs.onnx'));

  const row = (name: string) => s.rows.find((r) => r.name === name)!;
  assert.deepEqual(row('conv').outShape, ['N', 8, 5, 5]);
  assert.equal(row('conv').macs, 8 * 5 * 5 * 4 * 3 * 3);
  assert.equal(row('conv').params, 8 * 4 * 9 + 8);
  assert.equal(row('grouped').macs, 8 * 5 * 5 * (8 / 4) * 3 * 3);
  assert.equal(row('bn').params, 32);
  assert.equal(row('bn').macs, 0);
  assert.deepEqual(row('fc').outShape, ['N', 8, 6]);
  assert.equal(row('fc').macs, 25 * 6 * 8);
  assert.equal(row('fc').params, 25 * 6 + 6);
  assert.equal(s.totalMacs, 7200 + 3600 + 1200);
  assert.equal(s.totalParams, 296 + 144 + 32 + 156);

  const text = formatSummary(s);
  assert.match(text, /^layer\s+kind\s+output\s+params\s+MACs$/m);
  assert.match(text, /^conv\s+conv\s+\[N, 8, 5, 5\]\s+296\s+7,200$/m);
  assert.match(text, /^total\s+628\s+12,000$/m);
});

test('embeddings count parameters but no MACs', () => {
  const b = new GraphBuilder();
  const ids = b.input('ids', 'int64', ['N', 3]);
  b.output(b.node('Gather', [b.initializer('table', zeros([100, 8])), ids], {}, { name: 'emb' }), 'float32');
  const s = summarizeNetwork(importOnnx(b.build(14), 'emb.onnx'));
  assert.deepEqual(
    s.rows.map((r) => [r.kind, r.params, r.macs]),
    [['embedding', 800, 0]],
  );
});
