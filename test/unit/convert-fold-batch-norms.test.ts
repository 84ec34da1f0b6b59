// foldBatchNorms on hand-built networks: which batch-norms fold (structure, names) and that the folded network
// computes what the unfolded one does. Both paths run through a plain float64 TypeScript forward written here
// (conv / linear / batch-norm / relu / flatten / add only); tolerance 1e-5 relative, the float32 rounding of the
// folded weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatTensor, type Tensor } from '../../src/core/index.js';
import type { BatchNormLayer, ConvLayer, Layer, LinearLayer, Network } from '../../src/model/index.js';
import { foldBatchNorms } from '../../src/convert/index.js';
import { createRng } from '../../src/snn/reference/index.js';

const rng = createRng(7);
const rand = (dims: number[], lo = -1, hi = 1): Tensor<'float32'> =>
  floatTensor(
    dims,
    Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng.nextFloat()),
  );

function conv(name: string, input: string, output: string, inC: number, outC: number, hw: number, bias = true): ConvLayer {
  return {
    kind: 'conv',
    name,
    inputs: [input],
    output,
    outShape: ['N', outC, hw, hw],
    weight: rand([outC, inC, 3, 3]),
    ...(bias ? { bias: rand([outC]) } : {}),
    strides: [1, 1],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    group: 1,
  };
}
function linear(name: string, input: string, output: string, inF: number, outF: number, outShape: Layer['outShape']): LinearLayer {
  return { kind: 'linear', name, inputs: [input], output, outShape, weight: rand([outF, inF]), bias: rand([outF]) };
}
function bn(name: string, input: string, output: string, c: number, outShape: Layer['outShape']): BatchNormLayer {
  return {
    kind: 'batchnorm',
    name,
    inputs: [input],
    output,
    outShape,
    scale: rand([c], 0.5, 2),
    bias: rand([c]),
    mean: rand([c]),
    variance: rand([c], 0.1, 3),
    epsilon: 1e-5,
  };
}
const relu = (name: string, input: string, output: string, outShape: Layer['outShape']): Layer => ({
  kind: 'relu',
  name,
  inputs: [input],
  output,
  outShape,
});

/** Plain forward, float64, for the layer kinds these tests use. Returns every tensor by name. */
function forward(net: Network, x: Float64Array, inDims: number[]): Map<string, { dims: number[]; data: Float64Array }> {
  const t = new Map([[net.inputs[0].name, { dims: inDims, data: x }]]);
  const n = inDims[0];
  for (const l of net.layers) {
    const a = t.get(l.inputs[0])!;
    const dims = [n, ...(l.outShape.slice(1) as number[])];
    const out = new Float64Array(dims.reduce((p, d) => p * d, 1));
    switch (l.kind) {
      case 'conv': {
        const [, cin, h, w] = a.dims;
        const cout = l.weight.dims[0];
        for (let b = 0; b < n; b++)
          for (let co = 0; co < cout; co++)
            for (let i = 0; i < h; i++)
              for (let j = 0; j < w; j++) {
                let acc = l.bias ? l.bias.data[co] : 0;
                for (let ci = 0; ci < cin; ci++)
                  for (let u = 0; u < 3; u++)
                    for (let v = 0; v < 3; v++) {
                      const y = i + u - 1;
                      const z = j + v - 1;
                      if (y >= 0 && y < h && z >= 0 && z < w)
                        acc += l.weight.data[((co * cin + ci) * 3 + u) * 3 + v] * a.data[((b * cin + ci) * h + y) * w + z];
                    }
                out[((b * cout + co) * h + i) * w + j] = acc;
              }
        break;
      }
      case 'linear': {
        const [outF, inF] = l.weight.dims;
        for (let r = 0; r < a.data.length / inF; r++)
          for (let o = 0; o < outF; o++) {
            let acc = l.bias ? l.bias.data[o] : 0;
            for (let k = 0; k < inF; k++) acc += l.weight.data[o * inF + k] * a.data[r * inF + k];
            out[r * outF + o] = acc;
          }
        break;
      }
      case 'batchnorm': {
        const c = a.dims[1];
        const inner = a.data.length / (n * c);
        for (let i = 0; i < a.data.length; i++) {
          const ch = Math.floor(i / inner) % c;
          out[i] = ((a.data[i] - l.mean.data[ch]) / Math.sqrt(l.variance.data[ch] + l.epsilon)) * l.scale.data[ch] + l.bias.data[ch];
        }
        break;
      }
      case 'relu':
        for (let i = 0; i < out.length; i++) out[i] = Math.max(0, a.data[i]);
        break;
      case 'flatten':
        out.set(a.data);
        break;
      case 'add': {
        const b = t.get(l.inputs[1])!;
        for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
        break;
      }
      default:
        throw new Error(`test forward: no ${l.kind}`);
    }
    t.set(l.output, { dims, data: out });
  }
  return t;
}

function assertClose(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  assert.ok(diff <= 1e-5 * scale, `${what}: max |folded - unfolded| = ${diff} (scale ${scale})`);
}

/** x -> conv -> BN -> relu -> flatten -> linear -> BN -> relu -> BN (after a relu: stays) -> linear -> out. */
function mainNetwork(): Network {
  return {
    inputs: [{ name: 'x', type: 'float32', dims: ['N', 2, 4, 4] }],
    outputs: ['out'],
    metadata: {},
    source: 'hand-built.onnx',
    layers: [
      conv('conv1', 'x', 'c1', 2, 3, 4, false),
      bn('bn1', 'c1', 'b1', 3, ['N', 3, 4, 4]),
      relu('relu1', 'b1', 'r1', ['N', 3, 4, 4]),
      { kind: 'flatten', name: 'flat', inputs: ['r1'], output: 'f', outShape: ['N', 48], axis: 1 },
      linear('fc1', 'f', 'l1', 48, 5, ['N', 5]),
      bn('bn2', 'l1', 'b2', 5, ['N', 5]),
      relu('relu2', 'b2', 'r2', ['N', 5]),
      bn('bn3', 'r2', 'b3', 5, ['N', 5]),
      linear('fc2', 'b3', 'out', 5, 3, ['N', 3]),
    ],
  };
}

test('conv -> BN and linear -> BN fold (the conv keeps its name, takes the BN output tensor); BN after relu stays', () => {
  const net = mainNetwork();
  const before = JSON.stringify(net.layers.map((l) => [l.name, l.inputs, l.output]));
  const r = foldBatchNorms(net);
  assert.deepEqual(r.folded, ['bn1', 'bn2']);
  assert.equal(r.unfolded.length, 1);
  assert.equal(r.unfolded[0].name, 'bn3');
  assert.match(r.unfolded[0].reason, /relu layer "relu2", not from a conv or linear/);
  assert.deepEqual(
    r.network.layers.map((l) => [l.name, l.kind, l.inputs.join(','), l.output]),
    [
      ['conv1', 'conv', 'x', 'b1'],
      ['relu1', 'relu', 'b1', 'r1'],
      ['flat', 'flatten', 'r1', 'f'],
      ['fc1', 'linear', 'f', 'b2'],
      ['relu2', 'relu', 'b2', 'r2'],
      ['bn3', 'batchnorm', 'r2', 'b3'],
      ['fc2', 'linear', 'b3', 'out'],
    ],
  );
  const conv1 = r.network.layers[0] as ConvLayer;
  assert.deepEqual(conv1.bias?.dims, [3], 'a conv without bias gets one from the fold');
  assert.equal(JSON.stringify(net.layers.map((l) => [l.name, l.inputs, l.output])), before, 'input network untouched');
  assert.equal(r.network.source, net.source);
});

test('folded and unfolded networks agree on every tensor that survives (float64 TS forward, 1e-5 relative)', () => {
  const net = mainNetwork();
  const folded = foldBatchNorms(net).network;
  const inDims = [3, 2, 4, 4];
  const x = Float64Array.from({ length: 96 }, () => rng.nextFloat() * 4 - 2);
  const a = forward(net, x, inDims);
  const b = forward(folded, x, inDims);
  for (const name of ['b1', 'r1', 'b2', 'r2', 'b3', 'out']) assertClose(b.get(name)!.data, a.get(name)!.data, name);
  assert.equal(b.has('c1'), false);
});

test('a chain conv -> BN -> BN folds twice and still computes the same', () => {
  const net: Network = {
    inputs: [{ name: 'x', type: 'float32', dims: ['N', 2, 3, 3] }],
    outputs: ['y'],
    metadata: {},
    source: 'chain',
    layers: [conv('c', 'x', 'c0', 2, 2, 3), bn('bnA', 'c0', 'a', 2, ['N', 2, 3, 3]), bn('bnB', 'a', 'y', 2, ['N', 2, 3, 3])],
  };
  const r = foldBatchNorms(net);
  assert.deepEqual(r.folded, ['bnA', 'bnB']);
  assert.deepEqual(
    r.network.layers.map((l) => [l.name, l.output]),
    [['c', 'y']],
  );
  const x = Float64Array.from({ length: 36 }, () => rng.nextFloat() - 0.5);
  assertClose(forward(r.network, x, [2, 2, 3, 3]).get('y')!.data, forward(net, x, [2, 2, 3, 3]).get('y')!.data, 'y');
});

test('BNs that cannot fold: conv output read elsewhere, conv output a network output, network input, linear over [N, T, F]', () => {
  const net: Network = {
    inputs: [
      { name: 'x', type: 'float32', dims: ['N', 2, 3, 3] },
      { name: 's', type: 'float32', dims: ['N', 4, 3] },
    ],
    outputs: ['sum', 'c2', 'bs', 'bl'],
    metadata: {},
    source: 'unfoldable',
    layers: [
      conv('conv1', 'x', 'c1', 2, 2, 3),
      bn('bnShared', 'c1', 'b1', 2, ['N', 2, 3, 3]),
      { kind: 'add', name: 'res', inputs: ['c1', 'b1'], output: 'sum', outShape: ['N', 2, 3, 3] },
      conv('conv2', 'x', 'c2', 2, 2, 3),
      bn('bnOut', 'c2', 'b2', 2, ['N', 2, 3, 3]),
      bn('bnInput', 's', 'bs', 4, ['N', 4, 3]),
      linear('seq', 's', 'l', 3, 3, ['N', 4, 3]),
      bn('bnSeq', 'l', 'bl', 4, ['N', 4, 3]),
    ],
  };
  const r = foldBatchNorms(net);
  assert.deepEqual(r.folded, []);
  assert.deepEqual(r.network.layers, net.layers);
  const reasons = Object.fromEntries(r.unfolded.map((u) => [u.name, u.reason]));
  assert.match(reasons.bnShared, /also read by "res"/);
  assert.match(reasons.bnOut, /also a network output/);
  assert.match(reasons.bnInput, /network input/);
  assert.match(reasons.bnSeq, /rank 3/);
});
