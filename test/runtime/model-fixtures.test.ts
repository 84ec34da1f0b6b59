// PyTorch-exported fixtures through import -> export -> onnxruntime: the four of scripts/fixtures/make_fixtures.py
// (with <name>.io.json holding PyTorch's inputs and outputs) and the trained cifar10_small of
// scripts/fixtures/train_cifar10_small.py (no io.json: it is checked on a seeded random batch).
// Each check compares two paths: msat's re-exported graph vs PyTorch's outputs (1e-4), vs the original ONNX file run
// by onnxruntime (intermediate ReLU outputs too), and vs itself after an encode/decode/import round trip (exact).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isMsatError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import { decodeOnnxModel, encodeOnnxModel, type OnnxModel } from '../../src/onnx/index.js';
import { exportOnnx, importOnnx, loadNetwork, networkToOnnxBytes, summarizeNetwork, type Network } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';

const WITH_IO = ['vgg_bn', 'resnet_gap', 'text_cnn', 'speech_cnn'] as const;
const FIXTURES = [...WITH_IO, 'cifar10_small'] as const;
const PYTORCH_TOLERANCE = 1e-4;
const ORT_TOLERANCE = 1e-5;

interface IoTensor {
  dims: number[];
  type?: 'float32' | 'int64';
  data: number[];
}
interface IoJson {
  opset: number;
  inputs: Record<string, IoTensor>;
  outputs: Record<string, IoTensor>;
}

const runner = new Runner({ threads: 1 });
after(() => runner.dispose());

function toTensor(t: IoTensor): Tensor {
  return t.type === 'int64'
    ? { type: 'int64', dims: t.dims, data: BigInt64Array.from(t.data.map((v) => BigInt(v))) }
    : { type: 'float32', dims: t.dims, data: Float32Array.from(t.data) };
}

/** The io.json inputs, or for a fixture without one a seeded uniform [-2, 2) batch of 4 for its float input. */
function feedsFor(name: string, net: Network): Record<string, Tensor> {
  if ((WITH_IO as readonly string[]).includes(name)) {
    const io = JSON.parse(readFileSync(`test/fixtures/${name}.io.json`, 'utf8')) as IoJson;
    return Object.fromEntries(Object.entries(io.inputs).map(([k, t]) => [k, toTensor(t)]));
  }
  let seed = 42;
  return Object.fromEntries(
    net.inputs.map((spec) => {
      const dims = [4, ...(spec.dims.slice(1) as number[])];
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 4 - 2;
      assert.equal(spec.type, 'float32');
      return [spec.name, { type: 'float32', dims, data } as Tensor];
    }),
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function run(key: string, bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await runner.session(key, () => bytes);
  return session.run(feeds);
}

/** The original model with extra graph outputs (no shapes: onnxruntime infers them). */
function withOutputs(model: OnnxModel, names: readonly string[]): OnnxModel {
  const outputs = [...model.graph.outputs, ...names.map((name) => ({ name, type: 'float32' as const }))];
  return { ...model, graph: { ...model.graph, outputs } };
}

for (const name of WITH_IO) {
  const onnxPath = `test/fixtures/${name}.onnx`;
  const ioPath = `test/fixtures/${name}.io.json`;

  test(`${name}: loadNetwork -> exportOnnx -> onnxruntime matches PyTorch within ${PYTORCH_TOLERANCE}`, async () => {
    const io = JSON.parse(readFileSync(ioPath, 'utf8')) as IoJson;
    const net = await loadNetwork(onnxPath);
    assert.deepEqual(
      net.inputs.map((i) => i.name),
      Object.keys(io.inputs),
    );
    assert.deepEqual(net.outputs, Object.keys(io.outputs));
    const feeds = Object.fromEntries(Object.entries(io.inputs).map(([k, t]) => [k, toTensor(t)]));
    const out = await run(`${name}:msat`, networkToOnnxBytes(net), feeds);
    for (const [k, expected] of Object.entries(io.outputs)) {
      assert.deepEqual(out[k].dims, expected.dims);
      const diff = maxAbsDiff(out[k].data as Float32Array, expected.data);
      assert.ok(diff <= PYTORCH_TOLERANCE, `${name}/${k}: max |msat - PyTorch| = ${diff}`);
    }
  });
}

for (const name of FIXTURES) {
  const onnxPath = `test/fixtures/${name}.onnx`;

  test(`${name}: ReLU outputs exposed by extraOutputs equal those of the original file in onnxruntime (${ORT_TOLERANCE})`, async () => {
    const bytes = readFileSync(onnxPath);
    const original = decodeOnnxModel(bytes, onnxPath);
    const net = importOnnx(original, onnxPath);
    const relus = net.layers.filter((l) => l.kind === 'relu').map((l) => l.output);
    assert.ok(relus.length > 0);
    const feeds = feedsFor(name, net);
    const ours = await run(`${name}:extra`, networkToOnnxBytes(net, { extraOutputs: relus }), feeds);
    const theirs = await run(`${name}:original+relus`, encodeOnnxModel(withOutputs(original, relus)), feeds);
    for (const k of [...net.outputs, ...relus]) {
      assert.deepEqual(ours[k].dims, theirs[k].dims, k);
      const diff = maxAbsDiff(ours[k].data as Float32Array, theirs[k].data as Float32Array);
      assert.ok(diff <= ORT_TOLERANCE, `${name}/${k}: max |msat - original| = ${diff}`);
    }
  });

  test(`${name}: the re-exported ONNX, encoded, decoded and imported again, has the same layers and outputs`, async () => {
    const net = await loadNetwork(onnxPath);
    const bytes = networkToOnnxBytes(net);
    const again = importOnnx(decodeOnnxModel(bytes, `${name}.msat.onnx`), onnxPath);
    assert.deepEqual(
      again.layers.map((l) => l.kind),
      net.layers.map((l) => l.kind),
    );
    assert.deepEqual(
      again.layers.map((l) => l.outShape),
      net.layers.map((l) => l.outShape),
    );
    const bytesAgain = encodeOnnxModel(exportOnnx(again));
    assert.deepEqual(bytesAgain, bytes, 'export is a fixed point of import');
    const feeds = feedsFor(name, net);
    const first = await run(`${name}:msat`, bytes, feeds);
    const second = await run(`${name}:roundtrip`, bytesAgain, feeds);
    for (const k of net.outputs) assert.deepEqual(second[k], first[k]);
  });

  test(`${name}: summarizeNetwork counts exactly the float initializers the graph uses`, async () => {
    const model = decodeOnnxModel(readFileSync(onnxPath), onnxPath);
    const used = new Set(model.graph.nodes.flatMap((n) => n.inputs));
    let expected = 0;
    for (const [k, t] of model.graph.initializers) if (used.has(k) && t.type === 'float32') expected += t.data.length;
    const summary = summarizeNetwork(importOnnx(model, onnxPath));
    assert.equal(summary.totalParams, expected);
    assert.ok(summary.totalMacs > 0);
  });

  test(`${name}: truncated copies of the file are ONNX_MALFORMED`, () => {
    const bytes = readFileSync(onnxPath);
    for (const fraction of [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]) {
      const cut = Math.floor(bytes.length * fraction);
      assert.throws(
        () => decodeOnnxModel(bytes.subarray(0, cut), onnxPath),
        (e: unknown) => isMsatError(e) && e.code === 'ONNX_MALFORMED',
        `cut at ${cut}`,
      );
    }
    assert.throws(
      () => decodeOnnxModel(bytes.subarray(0, bytes.length - 1), onnxPath),
      (e: unknown) => isMsatError(e) && e.code === 'ONNX_MALFORMED',
    );
  });
}
