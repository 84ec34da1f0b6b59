// nirGraph on a hand-built residual network: node types and parameters (θ = k·λ broadcast per neuron, IF then
// Scale, hard reset to 0), the residual add as two edges into one IF, and every refusal naming its layer. Also
// the writeNir/readNir round trip and readNir's NIR_FILE errors on small files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { floatTensor, isMsatError } from '../../src/core/index.js';
import type { ConvLayer, Layer, Network } from '../../src/model/index.js';
import type { NeuronDynamics } from '../../src/snn/index.js';
import { nirGraph, readNir, writeNir, type NirConv2d, type NirIf, type NirNode, type NirScale } from '../../src/export/nir.js';

const ramp = (dims: number[]) =>
  floatTensor(
    dims,
    new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => (i % 7) / 7 - 0.4),
  );

function conv2d(name: string, input: string, output: string, inC: number, outC: number, extra: Partial<ConvLayer> = {}): ConvLayer {
  return {
    kind: 'conv',
    name,
    inputs: [input],
    output,
    outShape: ['N', outC, 4, 4],
    weight: ramp([outC, inC, 3, 3]),
    bias: ramp([outC]),
    strides: [1, 1],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    group: 1,
    ...extra,
  };
}
const relu = (name: string, input: string, output: string): Layer => ({ kind: 'relu', name, inputs: [input], output, outShape: ['N', 2, 4, 4] });

/** x -> conv1 -> relu1 -> conv2 -> relu2 -> add(relu2, relu1) -> relu3 -> GAP -> flatten -> fc (no bias). */
function residualNet(replace: Record<string, Layer> = {}): Network {
  const layers: Layer[] = [
    conv2d('stem/conv', 'x', 'c1', 3, 2),
    relu('relu1', 'c1', 'r1'),
    conv2d('block.conv', 'r1', 'c2', 2, 2),
    relu('relu2', 'c2', 'r2'),
    { kind: 'add', name: 'res', inputs: ['r2', 'r1'], output: 'a', outShape: ['N', 2, 4, 4] },
    relu('relu3', 'a', 'r3'),
    { kind: 'globalavgpool', name: 'gap', inputs: ['r3'], output: 'g', outShape: ['N', 2, 1, 1] },
    { kind: 'flatten', name: 'flat', inputs: ['g'], output: 'f', outShape: ['N', 2], axis: 1 },
    { kind: 'linear', name: 'fc', inputs: ['f'], output: 'out', outShape: ['N', 3], weight: ramp([3, 2]) },
  ];
  return {
    inputs: [{ name: 'x', type: 'float32', dims: ['N', 3, 4, 4] }],
    outputs: ['out'],
    metadata: {},
    source: 'tiny.onnx',
    layers: layers.map((l) => replace[l.name] ?? l),
  };
}

const lambdas = new Map<string, number | Float32Array>([
  ['relu1', 0.5],
  ['relu2', Float32Array.of(0.25, 2)],
  ['relu3', 1.5],
]);
const hard: NeuronDynamics = { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'hard' };
/** The largest float32 below x > 0. */
const below = (x: number) => {
  const f = Float32Array.of(x);
  new Uint32Array(f.buffer)[0] -= 1;
  return f[0];
};
const node = <T extends NirNode>(g: ReturnType<typeof nirGraph>, name: string) => g.nodes.get(name) as T;

test('residual net: Input, Conv2d, IF + Scale per relu, the add as two edges, AvgPool2d over the map, Flatten, Affine, Output', () => {
  const network = residualNet();
  const g = nirGraph({ network, lambdas, dynamics: hard });
  assert.deepEqual(
    [...g.nodes].map(([n, v]) => [n, v.type]),
    [
      ['input', 'Input'],
      ['stem_conv', 'Conv2d'],
      ['relu1', 'IF'],
      ['relu1_scale', 'Scale'],
      ['block_conv', 'Conv2d'],
      ['relu2', 'IF'],
      ['relu2_scale', 'Scale'],
      ['relu3', 'IF'],
      ['relu3_scale', 'Scale'],
      ['gap', 'AvgPool2d'],
      ['flat', 'Flatten'],
      ['fc', 'Affine'],
      ['output', 'Output'],
    ],
  );
  assert.deepEqual(g.edges, [
    ['input', 'stem_conv'],
    ['stem_conv', 'relu1'],
    ['relu1', 'relu1_scale'],
    ['relu1_scale', 'block_conv'],
    ['block_conv', 'relu2'],
    ['relu2', 'relu2_scale'],
    ['relu2_scale', 'relu3'],
    ['relu1_scale', 'relu3'],
    ['relu3', 'relu3_scale'],
    ['relu3_scale', 'gap'],
    ['gap', 'flat'],
    ['flat', 'fc'],
    ['fc', 'output'],
  ]);
  assert.deepEqual(node(g, 'input'), { type: 'Input', shape: [3, 4, 4] });
  const conv = node<NirConv2d>(g, 'stem_conv');
  assert.deepEqual([conv.input_shape, conv.stride, conv.padding, conv.dilation, conv.groups], [[4, 4], [1, 1], [1, 1], [1, 1], 1]);
  assert.equal(conv.weight, (network.layers[0] as ConvLayer).weight);
  assert.deepEqual(conv.weight.dims, [2, 3, 3, 3]);
  // per-channel λ broadcast over [C, H, W]: the Scale carries θ, the IF fires above the float32 just below θ (V > it ⟺ V ≥ θ)
  const if2 = node<NirIf>(g, 'relu2');
  const theta2 = [...Array(16).fill(0.25), ...Array(16).fill(2)];
  assert.deepEqual(node<NirScale>(g, 'relu2_scale').scale, floatTensor([2, 4, 4], theta2));
  assert.deepEqual([...if2.v_threshold.data], theta2.map(below));
  assert.ok(theta2.every((t) => below(t) < t && Math.fround(below(t) + t * 2 ** -25) === t));
  assert.ok(if2.r.data.every((v) => v === 1) && if2.v_reset.data.every((v) => v === 0));
  assert.ok(node<NirIf>(g, 'relu1').v_threshold.data.every((v) => v === below(0.5)));
  assert.deepEqual(node(g, 'gap'), { type: 'AvgPool2d', kernel_size: [4, 4], stride: [4, 4], padding: [0, 0] });
  assert.deepEqual(node(g, 'flat'), { type: 'Flatten', input_type: [2, 1, 1], start_dim: 0, end_dim: -1 });
  const fc = node<Extract<NirNode, { type: 'Affine' }>>(g, 'fc');
  assert.deepEqual(
    [fc.weight.dims, [...fc.bias.data]],
    [
      [3, 2],
      [0, 0, 0],
    ],
  );
  assert.deepEqual(node(g, 'output'), { type: 'Output', shape: [3] });
});

test('θ = k·λ in float32 for the constant rule with k ≠ 1', () => {
  const g = nirGraph({ network: residualNet(), lambdas, dynamics: { ...hard, rule: { kind: 'constant', k: 0.7 } } });
  assert.ok(node<NirScale>(g, 'relu3_scale').scale.data.every((v) => v === Math.fround(0.7 * 1.5)));
  assert.ok(node<NirIf>(g, 'relu3').v_threshold.data.every((v) => v === below(Math.fround(0.7 * 1.5))));
});

test('refusals name the layer and the reason: maxpool, MSAT rule, γ = 2, soft reset, concat, constant add, asymmetric pads', () => {
  const refused = (network: Network, dynamics: NeuronDynamics, layer: string, reason: RegExp) =>
    assert.throws(
      () => nirGraph({ network, lambdas, dynamics }),
      (e: unknown) => {
        assert.ok(isMsatError(e) && e.code === 'EXPORT_UNSUPPORTED', String(e));
        assert.ok(e.message.startsWith(`${layer} (`), e.message);
        assert.match(e.message, reason);
        assert.match(e.message, /NIR export covers/);
        return true;
      },
    );
  const pool: Layer = {
    kind: 'maxpool',
    name: 'pool',
    inputs: ['a'],
    output: 'r3',
    outShape: ['N', 2, 4, 4],
    kernel: [1, 1],
    strides: [1, 1],
    pads: [0, 0, 0, 0],
    dilations: [1, 1],
    ceilMode: false,
  };
  refused(residualNet({ relu3: pool }), hard, 'pool', /LIPool/);
  const hp = {} as never;
  refused(residualNet(), { ...hard, rule: { kind: 'msat', mode: 'dtt+det' as never, hp } }, 'relu1', /MSAT threshold rule/);
  refused(residualNet(), { ...hard, gamma: 2 }, 'relu1', /γ = 2/);
  refused(residualNet(), { ...hard, reset: 'soft' }, 'relu1', /subtractive \(soft\) reset.*--reset hard/);
  refused(
    residualNet({ res: { kind: 'concat', name: 'cat', inputs: ['r2', 'r1'], output: 'a', outShape: ['N', 2, 4, 4], axis: 1 } }),
    hard,
    'cat',
    /no concat primitive/,
  );
  refused(
    residualNet({ res: { kind: 'add', name: 'bias', inputs: ['r2'], output: 'a', outShape: ['N', 2, 4, 4], constant: ramp([1]) } }),
    hard,
    'bias',
    /constant/,
  );
  refused(residualNet({ 'block.conv': conv2d('block.conv', 'r1', 'c2', 2, 2, { pads: [0, 0, 1, 1] }) }), hard, 'block.conv', /asymmetric padding/);
});

test('writeNir then readNir gives back the same graph; non-NIR files are NIR_FILE errors naming the path and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-nir-unit-'));
  const g = nirGraph({ network: residualNet(), lambdas, dynamics: hard });
  const path = join(dir, 'tiny.nir');
  await writeNir(g, path);
  const back = await readNir(path);
  assert.equal(back.version, g.version);
  assert.deepEqual(back.edges, g.edges);
  assert.deepEqual([...back.nodes.keys()].sort(), [...g.nodes.keys()].sort());
  for (const [name, n] of g.nodes) assert.deepEqual(back.nodes.get(name), n, name);

  const nirFileError = (pattern: RegExp) => (e: unknown) => isMsatError(e) && e.code === 'NIR_FILE' && pattern.test(e.message);
  const text = join(dir, 'not.nir');
  writeFileSync(text, 'hello');
  await assert.rejects(readNir(text), nirFileError(/not\.nir: not an HDF5 file/));
  await h5wasm.ready;
  const partial = join(dir, 'partial.nir');
  const f = new h5wasm.File(partial, 'w');
  f.create_dataset({ name: 'version', data: '1.0.7' });
  const root = f.create_group('node');
  root.create_dataset({ name: 'type', data: 'NIRGraph' });
  root.create_dataset({ name: 'edges', data: ['a', 'b'], shape: [1, 2] });
  root.create_group('nodes').create_group('a').create_dataset({ name: 'type', data: 'Input' });
  f.close();
  await assert.rejects(readNir(partial), nirFileError(/partial\.nir: \/node\/nodes\/a\/shape is missing/));
  await assert.rejects(readNir(join(dir, 'absent.nir')), nirFileError(/absent\.nir: no such file/));
});
