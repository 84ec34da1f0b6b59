// planConversion / formatCoverage / assertConvertible on hand-built networks: a residual block with max-pool
// (everything converts), the same with unconvertible parts (each refusal named), and a token model whose
// embedding becomes the analog input. MACs are checked against summarizeNetwork (the model layer's count).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatTensor, isMsatError } from '../../src/core/index.js';
import { summarizeNetwork, type ConvLayer, type Layer, type MaxPoolLayer, type Network } from '../../src/model/index.js';
import { assertConvertible, formatCoverage, planConversion, type Calibration, type LayerCalibration } from '../../src/convert/index.js';

const zeros = (dims: number[]) => floatTensor(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)));

function conv2d(name: string, input: string, output: string, inC: number, outC: number, hw: number): ConvLayer {
  return {
    kind: 'conv',
    name,
    inputs: [input],
    output,
    outShape: ['N', outC, hw, hw],
    weight: zeros([outC, inC, 3, 3]),
    bias: zeros([outC]),
    strides: [1, 1],
    pads: [1, 1, 1, 1],
    dilations: [1, 1],
    group: 1,
  };
}
const relu = (name: string, input: string, output: string, outShape: Layer['outShape']): Layer => ({
  kind: 'relu',
  name,
  inputs: [input],
  output,
  outShape,
});
const pool = (extra: Partial<MaxPoolLayer> = {}): MaxPoolLayer => ({
  kind: 'maxpool',
  name: 'pool',
  inputs: ['r1'],
  output: 'p1',
  outShape: ['N', 4, 4, 4],
  kernel: [2, 2],
  strides: [2, 2],
  pads: [0, 0, 0, 0],
  dilations: [1, 1],
  ceilMode: false,
  ...extra,
});

/** x -> conv1 -> relu1 -> maxpool -> conv2 -> relu2 -> add(relu2, maxpool) -> relu3 -> GAP -> flatten -> fc. */
function residualNet(poolLayer: MaxPoolLayer = pool()): Network {
  return {
    inputs: [{ name: 'x', type: 'float32', dims: ['N', 3, 8, 8] }],
    outputs: ['out'],
    metadata: {},
    source: 'residual.onnx',
    layers: [
      conv2d('conv1', 'x', 'c1', 3, 4, 8),
      relu('relu1', 'c1', 'r1', ['N', 4, 8, 8]),
      poolLayer,
      conv2d('conv2', 'p1', 'c2', 4, 4, 4),
      relu('relu2', 'c2', 'r2', ['N', 4, 4, 4]),
      { kind: 'add', name: 'res', inputs: ['r2', 'p1'], output: 'a', outShape: ['N', 4, 4, 4] },
      relu('relu3', 'a', 'r3', ['N', 4, 4, 4]),
      { kind: 'globalavgpool', name: 'gap', inputs: ['r3'], output: 'g', outShape: ['N', 4, 1, 1] },
      { kind: 'flatten', name: 'flat', inputs: ['g'], output: 'f', outShape: ['N', 4], axis: 1 },
      { kind: 'linear', name: 'fc', inputs: ['f'], output: 'out', outShape: ['N', 10], weight: zeros([10, 4]), bias: zeros([10]) },
    ],
  };
}

const entry = (relu: string, tensor: string, lambda: number | Float32Array, warning?: string): LayerCalibration => ({
  relu,
  tensor,
  lambda,
  max: 3,
  mean: 0.5,
  positiveFraction: 0.4,
  ...(warning ? { warning } : {}),
});
const calibration = (layers: LayerCalibration[]): Calibration => ({
  percentile: 1,
  method: 'linear',
  granularity: { kind: 'layer' },
  samples: 200,
  layers,
});
const fullCalibration = (): Calibration =>
  calibration([entry('relu1', 'r1', 2.5), entry('relu2', 'r2', Float32Array.of(1, 2, 0.5, 4)), entry('relu3', 'r3', 1.25)]);

test('residual block with max-pool: relu -> spiking (λ), maxpool -> LIPool, final linear -> readout, rest analog', () => {
  const net = residualNet();
  const plan = planConversion(net, fullCalibration());
  assert.deepEqual(
    plan.layers.map((l) => [l.name, l.becomes.kind]),
    [
      ['conv1', 'analog'],
      ['relu1', 'spiking'],
      ['pool', 'lipool'],
      ['conv2', 'analog'],
      ['relu2', 'spiking'],
      ['res', 'analog'],
      ['relu3', 'spiking'],
      ['gap', 'analog'],
      ['flat', 'analog'],
      ['fc', 'readout'],
    ],
  );
  const relu2 = plan.layers[4].becomes;
  assert.ok(relu2.kind === 'spiking' && relu2.lambda instanceof Float32Array && relu2.lambda[3] === 4);
  assert.deepEqual(plan.spiking, [
    { name: 'relu1', neurons: 256 },
    { name: 'relu2', neurons: 64 },
    { name: 'relu3', neurons: 64 },
  ]);
  const macs = Object.fromEntries(summarizeNetwork(net).rows.map((r) => [r.name, r.macs]));
  assert.deepEqual(plan.synaptic, [
    { name: 'conv1', macs: macs.conv1, analogInput: true },
    { name: 'conv2', macs: macs.conv2, analogInput: false },
    { name: 'fc', macs: macs.fc, analogInput: false },
  ]);
  assert.equal(macs.conv1, 4 * 8 * 8 * 3 * 9);
  assert.deepEqual([plan.converted, plan.refused, plan.outputs], [10, 0, ['out']]);
  assert.doesNotThrow(() => assertConvertible(plan));

  const text = formatCoverage(plan);
  const lines = text.split('\n');
  assert.equal(lines.length, 12);
  assert.match(lines[0], /^conv1 {2}conv +→ {2}analog conv, every step {2}\(6,912 MACs, analog input\)$/);
  assert.match(lines[1], /^relu1 +relu +→ {2}spiking neurons {2}\(λ = 2\.5, 256 neurons\)$/);
  assert.match(lines[2], /^pool +maxpool +→ {2}LIPool/);
  assert.match(lines[4], /\(λ = 4 channels in \[0\.5, 4\], 64 neurons\)$/);
  assert.match(lines[9], /^fc +linear +→ {2}readout: analog linear, summed over steps {2}\(40 MACs\)$/);
  assert.equal(lines[10], `3 spiking layers, 384 neurons and ${(macs.conv1 + macs.conv2 + 40).toLocaleString('en-US')} synaptic MACs per sample`);
  assert.equal(lines[11], 'converted 10 of 10 layers; refused 0');
});

test('refusals: ceil-mode max-pool, a relu without λ, channel λ of the wrong length; assertConvertible names each', () => {
  const net = residualNet(pool({ ceilMode: true }));
  const cal = calibration([entry('relu1', 'r1', 2.5), entry('relu2', 'r2', Float32Array.of(1, 2)), entry('ghost', 'g0', 1)]);
  const plan = planConversion(net, cal);
  assert.deepEqual(
    plan.layers.filter((l) => l.becomes.kind === 'refused').map((l) => l.name),
    ['pool', 'relu2', 'relu3'],
  );
  assert.deepEqual([plan.converted, plan.refused], [7, 3]);
  assert.deepEqual(plan.warnings, ['calibration entry "ghost" matches no relu layer of residual.onnx']);
  const text = formatCoverage(plan);
  assert.match(text, /^pool +maxpool +→ {2}REFUSED: ceil_mode = 1 is not supported by LIPool/m);
  assert.match(text, /^relu3 +relu +→ {2}REFUSED: the calibration has no λ for it/m);
  assert.match(text.split('\n').at(-1)!, /^converted 7 of 10 layers; refused 3$/);
  assert.throws(
    () => assertConvertible(plan),
    (e: unknown) => {
      assert.ok(isMsatError(e) && e.code === 'CONVERT_REFUSED');
      assert.match(e.message, /^residual\.onnx: 3 of 10 layers cannot be converted/);
      assert.match(e.message, /- pool \(maxpool\): ceil_mode/);
      assert.match(e.message, /- relu2 \(relu\): channel-wise λ has 2 values, but the output has 4 channels/);
      assert.match(e.message, /- relu3 \(relu\): the calibration has no λ/);
      return true;
    },
  );
});

test('max-pool geometry LIPool cannot run is refused; λ from another tensor is refused; calibration warnings pass through', () => {
  const dilated = planConversion(residualNet(pool({ dilations: [2, 2] })), fullCalibration());
  assert.match((dilated.layers[2].becomes as { reason: string }).reason, /dilations \[2, 2\]/);
  const asym = planConversion(residualNet(pool({ pads: [0, 0, 1, 1] })), fullCalibration());
  assert.match((asym.layers[2].becomes as { reason: string }).reason, /asymmetric pads/);
  const padded = planConversion(
    residualNet(pool({ kernel: [1, 1], strides: [1, 1], pads: [1, 1, 1, 1], outShape: ['N', 4, 10, 10] })),
    fullCalibration(),
  );
  assert.match((padded.layers[2].becomes as { reason: string }).reason, /exceed half the kernel/);

  const cal = calibration([
    entry('relu1', 'other', 2.5),
    entry('relu2', 'r2', 1e-6, 'λ (max) is 0 on all 200 calibration samples (dead layer); using 1.00e-6 instead.'),
    entry('relu3', 'r3', 1),
  ]);
  const plan = planConversion(residualNet(), cal);
  assert.match((plan.layers[1].becomes as { reason: string }).reason, /measured on tensor "other", but the layer writes "r1"/);
  assert.deepEqual(plan.warnings, ['relu "relu2": λ (max) is 0 on all 200 calibration samples (dead layer); using 1.00e-6 instead.']);
  assert.match(formatCoverage(plan), /^warning: relu "relu2": λ \(max\) is 0/m);
});

test('token model: the embedding of the network input becomes the analog input; the conv after it has analog input', () => {
  const net: Network = {
    inputs: [{ name: 'ids', type: 'int64', dims: ['N', 6] }],
    outputs: ['out'],
    metadata: {},
    source: 'text.onnx',
    layers: [
      { kind: 'embedding', name: 'embed', inputs: ['ids'], output: 'e', outShape: ['N', 6, 4], weight: zeros([10, 4]) },
      { kind: 'transpose', name: 't', inputs: ['e'], output: 'et', outShape: ['N', 4, 6], perm: [0, 2, 1] },
      {
        kind: 'conv',
        name: 'conv',
        inputs: ['et'],
        output: 'c',
        outShape: ['N', 5, 6],
        weight: zeros([5, 4, 3]),
        strides: [1],
        pads: [1, 1],
        dilations: [1],
        group: 1,
      },
      relu('relu', 'c', 'r', ['N', 5, 6]),
      {
        kind: 'maxpool',
        name: 'pool',
        inputs: ['r'],
        output: 'p',
        outShape: ['N', 5, 1],
        kernel: [6],
        strides: [6],
        pads: [0, 0],
        dilations: [1],
        ceilMode: false,
      },
      { kind: 'flatten', name: 'flat', inputs: ['p'], output: 'f', outShape: ['N', 5], axis: 1 },
      { kind: 'linear', name: 'fc', inputs: ['f'], output: 'out', outShape: ['N', 2], weight: zeros([2, 5]) },
    ],
  };
  const plan = planConversion(net, calibration([entry('relu', 'r', 0.75)]));
  assert.deepEqual(
    plan.layers.map((l) => l.becomes.kind),
    ['input-analog', 'analog', 'analog', 'spiking', 'lipool', 'analog', 'readout'],
  );
  assert.deepEqual(plan.synaptic, [
    { name: 'conv', macs: 5 * 4 * 3 * 6, analogInput: true },
    { name: 'fc', macs: 10, analogInput: false },
  ]);
  assert.match(formatCoverage(plan), /^embed +embedding +→ {2}analog input, once per sample$/m);
});
