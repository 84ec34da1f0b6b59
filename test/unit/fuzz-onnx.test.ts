// Real ONNX models damaged in their bytes and in their protobuf (operators, opsets, attributes, input names,
// dimensions, data types and lengths, initializers): importing a mutant gives a network whose shapes are whole or
// throws one ONNX_*/MODEL_* line naming the file (and an unsupported operator). 300 seeded mutants here;
// `npm run fuzz -- --cases N` runs more. Below them, the damage the fuzzing found that msat did not refuse cleanly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { isMsatError } from '../../src/core/index.js';
import { loadNetwork } from '../../src/model/index.js';
import { fuzzOnnx } from '../fuzz/onnx-mutants.js';

const { onnx } = onnxProto;
const dir = mkdtempSync(join(tmpdir(), 'msat-fuzz-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('mutants of real ONNX models import to whole shapes or are refused with one line naming the file', async () => {
  const counts = await fuzzOnnx(dir, 300);
  const refused = [...counts.values()].reduce((n, r) => n + r.refused, 0);
  // protobuf-level damage is mostly noticed; flips inside weights are still valid models
  assert.ok(refused >= 150, `only ${refused} of 300 mutants refused`);
  for (const kind of ['truncate', 'op-type', 'drop-initializer', 'raw-data']) {
    const row = counts.get(kind);
    assert.ok(row && row.refused > 0, `${kind}: no mutant refused`);
  }
});

/** A fixture with `edit` applied to its decoded protobuf, written to `name`. */
function edited(fixture: string, name: string, edit: (g: onnxProto.onnx.IGraphProto) => void): string {
  const model = onnx.ModelProto.decode(readFileSync(join(import.meta.dirname, '..', 'fixtures', fixture)));
  edit(model.graph!);
  const path = join(dir, name);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

async function refusal(path: string): Promise<{ code: string; message: string }> {
  try {
    await loadNetwork(path);
  } catch (e) {
    assert.ok(isMsatError(e), `expected an MsatError, got ${String(e)}`);
    assert.ok(e.message.startsWith(path) && !e.message.includes('\n'), e.message);
    return e;
  }
  assert.fail(`${path} was imported`);
}

// Found by the fuzzing: a TypeError escaped.
test('a Concat without inputs is ONNX_MALFORMED naming the node', async () => {
  const path = edited('vgg_bn.onnx', 'concat-no-inputs.onnx', (g) => {
    const node = g.node!.find((n) => n.name === '/features/features.7/Constant')!;
    node.opType = 'Concat';
  });
  const e = await refusal(path);
  assert.equal(e.code, 'ONNX_MALFORMED');
  assert.match(e.message, /node "\/features\/features\.7\/Constant" \(Concat\) has no inputs/);
});

// Found by the fuzzing: the name went into the message as it was, over two lines.
test('a tensor name with a line break is ONNX_MALFORMED on one line, the name escaped', async () => {
  const path = edited('quickstart-mnist.onnx', 'line-break.onnx', (g) => {
    const relu = g.node!.find((n) => n.name === '/2/Relu')!;
    relu.input = ['/0/Conv_output_0\nmore'];
  });
  const e = await refusal(path);
  assert.equal(e.code, 'ONNX_MALFORMED');
  assert.ok(e.message.includes('"/0/Conv_output_0\\nmore"'), e.message);
});

// Found by the fuzzing: such a network was imported, its shapes no longer exact.
test('padding that puts a layer output beyond 2^53 is MODEL_SHAPE naming the node', async () => {
  const path = edited('speech_cnn.onnx', 'huge-pads.onnx', (g) => {
    const pads = g.node![0].attribute!.find((a) => a.name === 'pads')!;
    pads.ints = pads.ints!.map(() => 2 ** 53);
  });
  const e = await refusal(path);
  assert.equal(e.code, 'MODEL_SHAPE');
  assert.match(e.message, /node "\/features\/features\.0\/Conv" \(Conv\) gives an output of shape \[N, 8, \d+, \d+\]; .*positive integer/);
});

test('an input dimension of 0 is ONNX_UNSUPPORTED_SHAPE naming the input', async () => {
  const path = edited('quickstart-mnist.onnx', 'zero-dim.onnx', (g) => {
    g.input![0].type!.tensorType!.shape!.dim![2].dimValue = 0;
  });
  const e = await refusal(path);
  assert.equal(e.code, 'ONNX_UNSUPPORTED_SHAPE');
  assert.match(e.message, /input "input\.1" has shape \[1, 1, 0, 28\]/);
});
