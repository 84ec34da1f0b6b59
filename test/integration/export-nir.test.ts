/**
 * NIR export of the shipped CIFAR-10 ResNet-20, converted with θ = λ and hard reset: the file read back holds the
 * network's parameters and topology (residual adds as two edges into one IF), and a small NIR interpreter
 * (test/nir-interpreter.ts, written from the NIR spec, no msat code) running the file on real test images agrees
 * with msat's own simulator at every step. Refusals (MSAT rule, max-pool) are EXPORT_UNSUPPORTED.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { openDataset } from '../../src/data/index.js';
import { loadNetwork, type ConvLayer, type LinearLayer } from '../../src/model/index.js';
import { convertModel, type ConvertedModel } from '../../src/pipeline/index.js';
import { Runner } from '../../src/runtime/index.js';
import { simulate, VGG_HYPER_PARAMS, type NeuronDynamics } from '../../src/snn/index.js';
import { exportNir, readNir, toNirNodeName, type NirConv2d, type NirGraph, type NirIf, type NirScale } from '../../src/export/nir.js';
import { compileNir, resetNir, stepNir } from '../nir-interpreter.js';
import { ROOT } from '../cli-helpers.js';

const DATA = join(ROOT, '.cache', 'datasets', 'cifar10-jpeg');
const HARD: NeuronDynamics = { rule: { kind: 'constant', k: 1 }, gamma: 1, reset: 'hard' };
const N = 20;
const T = 32;
const tmp = mkdtempSync(join(tmpdir(), 'msat-nir-'));
const runner = new Runner({ threads: 2 });
let converted: ConvertedModel;
let graph: NirGraph;

before(async () => {
  converted = await convertModel({
    model: join(ROOT, 'models', 'cifar10-resnet20.onnx'),
    data: DATA,
    thresholds: { kind: 'calibrate', samples: 200, every: 250 },
    runner,
  });
  const path = join(tmp, 'resnet20.nir');
  await exportNir({ network: converted.network, lambdas: converted.lambdas, dynamics: HARD }, path);
  graph = await readNir(path);
});
after(() => runner.dispose());

test('ResNet-20 read back: conv weights, IF v_threshold = λ − 1 ulp and Scale = λ per neuron, residual edges, edge count', () => {
  const { network, lambdas } = converted;
  const kinds = (k: string) => network.layers.filter((l) => l.kind === k);
  const shapeOf = new Map([[network.inputs[0].name, network.inputs[0].dims], ...network.layers.map((l) => [l.output, l.outShape] as const)]);
  const count = (t: string) => [...graph.nodes.values()].filter((n) => n.type === t).length;
  assert.deepEqual(
    [count('Input'), count('Conv2d'), count('IF'), count('Scale'), count('AvgPool2d'), count('Flatten'), count('Affine'), count('Output')],
    [1, kinds('conv').length, kinds('relu').length, kinds('relu').length, 1, 1, 1, 1],
  );
  assert.equal(graph.nodes.size, 2 + network.layers.length - kinds('add').length + kinds('relu').length);
  // one edge into each non-add layer's node, plus one more into each add's consumer (a relu), one IF -> Scale per relu, one into Output
  assert.equal(graph.edges.length, network.layers.length - kinds('add').length + kinds('add').length + kinds('relu').length + 1);
  assert.deepEqual(graph.nodes.get('input'), { type: 'Input', shape: [3, 32, 32] });
  assert.deepEqual(graph.nodes.get('output'), { type: 'Output', shape: [10] });
  for (const layer of kinds('conv') as ConvLayer[]) {
    const node = graph.nodes.get(toNirNodeName(layer.name)) as NirConv2d;
    assert.equal(node.type, 'Conv2d', layer.name);
    assert.deepEqual(node.weight.dims, layer.weight.dims);
    assert.deepEqual(node.weight.data, layer.weight.data, `${layer.name} weights`);
    assert.deepEqual(node.bias.data, layer.bias!.data);
    assert.deepEqual([node.stride, node.padding, node.groups], [layer.strides, layer.pads.slice(0, 2), layer.group]);
    assert.deepEqual(node.input_shape, shapeOf.get(layer.inputs[0])!.slice(2));
  }
  const fc = network.layers.at(-1) as LinearLayer;
  const affine = graph.nodes.get('fc');
  assert.ok(affine?.type === 'Affine' && affine.weight.data.every((w, i) => w === fc.weight.data[i]));
  for (const layer of kinds('relu')) {
    const name = toNirNodeName(layer.name);
    const node = graph.nodes.get(name) as NirIf;
    const lambda = lambdas.get(layer.name)!;
    assert.equal(typeof lambda, 'number');
    assert.deepEqual(node.v_threshold.dims, layer.outShape.slice(1));
    // NIR fires on V > v_threshold, msat on V ≥ λ: v_threshold is the float32 just below λ, the Scale carries λ
    const scale = (graph.nodes.get(`${name}_scale`) as NirScale).scale;
    assert.deepEqual(scale.dims, node.v_threshold.dims);
    assert.ok(
      scale.data.every((v) => v === lambda),
      `${layer.name}: Scale = λ`,
    );
    assert.ok(
      node.v_threshold.data.every((v) => v < (lambda as number) && Math.fround(v + (lambda as number) * 2 ** -24) >= (lambda as number)),
      `${layer.name}: v_threshold = λ − 1 ulp`,
    );
    assert.ok(node.v_reset.data.every((v) => v === 0) && node.r.data.every((v) => v === 1));
    assert.ok(graph.edges.some(([a, b]) => a === name && b === `${name}_scale`));
  }
  // residual: layer1.0.relu sums the second conv and the block input (stem.relu's Scale); layer2.0.relu the shortcut conv
  const into = (n: string) =>
    graph.edges
      .filter(([, b]) => b === n)
      .map(([a]) => a)
      .sort();
  assert.deepEqual(into('layer1_0_relu'), ['layer1_0_2_conv', 'stem_relu_scale']);
  assert.deepEqual(into('layer2_0_relu'), ['layer2_0_2_conv', 'layer2_0_shortcut_conv']);
  assert.deepEqual(into('layer2_0_shortcut_conv'), ['layer1_2_relu_scale']);
});

test(`the NIR interpreter on ${N} CIFAR-10 test images agrees with msat's simulator at each of T = ${T} steps (accuracy and spikes per layer)`, async () => {
  const dataOptions = { split: 'test' as const, every: 500, limit: N, ...converted.dataOptions };
  const msat = await simulate(converted.network, converted.lambdas, await openDataset(DATA, dataOptions), runner, { steps: T, dynamics: HARD });
  const program = compileNir(graph);
  const correct = new Float64Array(T);
  const spikesPerStep = new Map<string, Float64Array>([...program.spikes.keys()].map((n) => [n, new Float64Array(T)]));
  let samples = 0;
  const started = performance.now();
  for await (const batch of (await openDataset(DATA, dataOptions)).batches(N)) {
    const per = batch.x.data.length / batch.labels.length;
    for (let b = 0; b < batch.labels.length; b++) {
      const x = batch.x.data.subarray(b * per, (b + 1) * per);
      resetNir(program);
      const sum = new Float64Array(10);
      for (let t = 0; t < T; t++) {
        const before = new Map(program.spikes);
        const y = stepNir(program, x).get('output')!;
        for (let c = 0; c < 10; c++) sum[c] += y[c];
        let best = 0;
        for (let c = 1; c < 10; c++) if (sum[c] > sum[best]) best = c;
        if (best === batch.labels[b]) correct[t]++;
        for (const [n, s] of program.spikes) spikesPerStep.get(n)![t] += s - before.get(n)!;
      }
      samples++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  assert.equal(samples, N);
  assert.equal(msat.samples, N);
  const accuracy = Array.from(correct, (c) => c / N);
  const diff = accuracy.map((a, t) => Math.abs(a - msat.accuracyPerStep[t]));
  // spikes per layer and step: msat reports spikes per neuron averaged over samples (exact small integers × 1/N)
  let total = 0;
  let differ = 0;
  for (const layer of msat.layers) {
    const ours = spikesPerStep.get(toNirNodeName(layer.layer))!;
    for (let t = 0; t < T; t++) {
      const theirs = Math.round(layer.ratePerStep[t] * layer.neurons * N);
      total += theirs;
      differ += Math.abs(ours[t] - theirs);
    }
  }
  console.log(
    `# NIR interpreter ${seconds.toFixed(1)} s; accuracy at T = ${T}: NIR ${accuracy[T - 1]}, msat ${msat.accuracyPerStep[T - 1]}, ANN ${msat.annAccuracy}; ` +
      `max |Δ accuracy| ${Math.max(...diff)}; spikes ${total}, differing ${differ}`,
  );
  assert.equal(msat.layers.length, spikesPerStep.size);
  assert.ok(total > 0);
  assert.equal(differ, 0, 'spikes per layer and step');
  assert.deepEqual(accuracy, Array.from(msat.accuracyPerStep), 'accuracy per step');
});

test('exports that NIR cannot express fail with EXPORT_UNSUPPORTED naming the layer, and write no file', async () => {
  const path = join(tmp, 'refused.nir');
  const unsupported = (pattern: RegExp) => (e: unknown) => isMsatError(e) && e.code === 'EXPORT_UNSUPPORTED' && pattern.test(e.message);
  const msatRule: NeuronDynamics = { rule: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 1, reset: 'hard' };
  await assert.rejects(
    exportNir({ network: converted.network, lambdas: converted.lambdas, dynamics: msatRule }, path),
    unsupported(/^stem\.relu \(relu\): the MSAT threshold rule/),
  );
  await assert.rejects(
    exportNir({ network: converted.network, lambdas: converted.lambdas, dynamics: { ...HARD, reset: 'soft' } }, path),
    unsupported(/^stem\.relu \(relu\): .*--reset hard/),
  );
  // the MNIST CNN has max-pools (LIPool in msat)
  const mnist = await loadNetwork(join(ROOT, 'models', 'mnist-cnn.onnx'));
  const lambdas = new Map(mnist.layers.filter((l) => l.kind === 'relu').map((l) => [l.name, 1] as const));
  const pool = mnist.layers.find((l) => l.kind === 'maxpool')!;
  await assert.rejects(
    exportNir({ network: mnist, lambdas, dynamics: HARD }, path),
    unsupported(new RegExp(`^${pool.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(maxpool\\): .*LIPool`)),
  );
  assert.equal(existsSync(path), false);
});
