/**
 * The SNN exported as a stateful ONNX model (`ConvertedSnn.export`, `msat export --format onnx`) and looped with
 * onnxruntime-node alone (test/exported-snn-loop.ts) against msat's own simulator on the same real test images:
 * the number of correct predictions must be equal at every step, exactly — the file is the simulator's graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ConvertedSnn, convert, openDataset, type SimulationReport } from '../../src/index.js';
import { createRng } from '../../src/snn/index.js';
import { readOnnxModel } from '../../src/onnx/index.js';
import { ROOT, runCli } from '../cli-helpers.js';
import { countAnnCorrect, loopExportedSnn } from '../exported-snn-loop.js';

const MNIST_MODEL = join(ROOT, 'models', 'mnist-cnn.onnx');
const TUNED = join(ROOT, 'models', 'mnist-cnn.tuned.snn.json');
const CIFAR = join(ROOT, '.cache', 'datasets', 'cifar10-jpeg');
const tmp = mkdtempSync(join(tmpdir(), 'msat-export-onnx-'));

const correctPerStep = (r: SimulationReport) => r.accuracyPerStep.map((a) => Math.round(a * r.samples));

test("θ = λ on the MNIST CNN, 1,000 test images, T = 32: the exported model (4 steps per call) looped in bare onnxruntime gives msat simulate's correct count at every step", async () => {
  await using snn = await convert(MNIST_MODEL, { calibration: { data: 'mnist' }, neuron: { method: 'const' }, threads: 2 });
  const report = await snn.simulate('mnist', { T: 32, every: 10 });
  assert.equal(report.samples, 1000);
  const file = join(tmp, 'mnist-const.onnx');
  await snn.export(file, { format: 'onnx', stepsPerCall: 4 });
  const test = await openDataset('mnist', { split: 'test', every: 10, mean: [0.1307], std: [0.3081] });
  const bare = await loopExportedSnn(file, test.batches(250), 32);
  assert.equal(bare.samples, 1000);
  assert.deepEqual(Array.from(bare.correct), correctPerStep(report));
  assert.ok(bare.sumsAgree, 'readout_sum:out is the running sum of the per-step readouts');
  assert.ok(report.accuracyPerStep[31] > 0.98, `θ = λ at T = 32: ${report.accuracyPerStep[31]}`);
  // the contract travels in the metadata, with the model's own class names and normalisation
  const { metadata } = await readOnnxModel(file);
  const contract = JSON.parse(metadata['msat.snn']);
  assert.equal(contract.format, 'msat-snn-onnx');
  assert.equal(contract.stepsPerCall, 4);
  assert.deepEqual(
    contract.state.map((s: { reset: number }) => s.reset).filter((r: number) => r !== 0),
    [],
  );
  assert.equal(metadata['msat.mean'], '[0.1307]');
});

test('tuned MSAT DTT+DET (an SNN file from msat tune) on the MNIST CNN, 1,000 test images, T = 24: bare onnxruntime, one step per call, equals msat simulate at every step', async () => {
  await using snn = await ConvertedSnn.load(TUNED, { model: MNIST_MODEL, threads: 2 });
  assert.equal(snn.neuron.method, 'msat');
  assert.equal(snn.calibration.percentile, 0.99);
  const report = await snn.simulate('mnist', { T: 24, every: 10 });
  const file = join(tmp, 'mnist-tuned.onnx');
  await snn.export(file, { format: 'onnx' });
  const test = await openDataset('mnist', { split: 'test', every: 10, mean: [0.1307], std: [0.3081] });
  const bare = await loopExportedSnn(file, test.batches(200), 24);
  assert.deepEqual(Array.from(bare.correct), correctPerStep(report));
  assert.ok(report.stepsToAnnMinus1 !== null && report.stepsToAnnMinus1 <= 8, `tuned: ${report.stepsToAnnMinus1} steps to ANN − 1 %`);
  // the folded, calibrated ANN: the simulator's ANN accuracy on the same images
  const annFile = join(tmp, 'mnist-ann.onnx');
  await snn.export(annFile, { format: 'onnx-ann' });
  assert.equal(await countAnnCorrect(annFile, test.batches(500)), Math.round(report.annAccuracy * report.samples));
  const lambdas = JSON.parse((await readOnnxModel(annFile)).metadata['msat.lambdas']) as Record<string, number>;
  assert.deepEqual(
    Object.entries(lambdas),
    [...snn.lambdas].map(([layer, l]) => [layer, l]),
  );
});

test('residual network (PyTorch-exported ResNet fixture), channel-wise λ, MSAT DTT+DET, 200 CIFAR-10 images, T = 16, 8 steps per call: bare onnxruntime equals msat simulate at every step', async () => {
  const model = join(ROOT, 'test', 'fixtures', 'resnet_gap.onnx');
  const norm = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
  await using snn = await convert(model, {
    calibration: { data: CIFAR, every: 250, channelWise: true },
    ...norm,
    neuron: { method: 'msat' },
    threads: 2,
  });
  assert.ok(
    snn.network.layers.some((l) => l.kind === 'add'),
    'the fixture has residual adds',
  );
  const test = await openDataset(CIFAR, { split: 'test', every: 50, ...norm });
  const report = await snn.simulate(test, { T: 16 });
  assert.equal(report.samples, 200);
  const file = join(tmp, 'resnet-msat.onnx');
  await snn.export(file, { format: 'onnx', stepsPerCall: 8 });
  const bare = await loopExportedSnn(file, test.batches(100), 16);
  assert.deepEqual(Array.from(bare.correct), correctPerStep(report));
});

test('spike confidence and Poisson input in the exported model: keep masks of 1 give the model without confidence exactly; Poisson noise fed as uniform draws reaches the ANN within 3 points at T = 64', async () => {
  await using snn = await convert(MNIST_MODEL, { calibration: { data: 'mnist' }, neuron: { method: 'const' }, threads: 2 });
  const spiking = snn.plan.spiking.map((s) => s.name);
  const plain = join(tmp, 'plain.onnx');
  const masked = join(tmp, 'masked.onnx');
  const poisson = join(tmp, 'poisson.onnx');
  await snn.export(plain, { format: 'onnx', stepsPerCall: 4 });
  await snn.export(masked, { format: 'onnx', stepsPerCall: 4, confidence: new Map(spiking.map((l) => [l, 0.5])) });
  await snn.export(poisson, { format: 'onnx', stepsPerCall: 16, encoding: 'poisson' });
  const contract = JSON.parse((await readOnnxModel(masked)).metadata['msat.snn']);
  assert.deepEqual(
    contract.keep.map((k: { input: string; c: number }) => [k.input, k.c]),
    spiking.map((l) => [`keep:${l}`, 0.5]),
  );
  const test = await openDataset('mnist', { split: 'test', every: 100, mean: [0.1307], std: [0.3081] });
  const ones = (_: string, dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, d) => a * d, 1)).fill(1), dims);
  const a = await loopExportedSnn(plain, test.batches(100), 16);
  const b = await loopExportedSnn(masked, test.batches(100), 16, { K: 4, feed: ones });
  assert.deepEqual(b.correct, a.correct);
  const zeros = (_: string, dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((x, d) => x * d, 1)), dims);
  const dropped = await loopExportedSnn(masked, test.batches(100), 16, { K: 4, feed: zeros });
  assert.ok(dropped.correct[15] < a.correct[15] / 2, `keep = 0 silences the spiking layers: ${dropped.correct[15]} vs ${a.correct[15]} correct`);
  const rng = createRng(7);
  const uniform = (_: string, dims: number[]) =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: dims.reduce((x, d) => x * d, 1) }, () => rng.nextFloat()),
      dims,
    );
  const noisy = await loopExportedSnn(poisson, test.batches(100), 64, { K: 16, feed: uniform });
  const ann = await snn.simulate(test, { T: 1 });
  assert.ok(
    noisy.correct[63] >= (ann.annAccuracy - 0.03) * noisy.samples,
    `Poisson T = 64: ${noisy.correct[63]} of ${noisy.samples}, ANN ${ann.annAccuracy}`,
  );
});

test("msat export: the CLI writes the SNN file's ONNX model; NIR of a max-pooling MSAT network is refused naming the layer", async () => {
  const out = join(tmp, 'cli.onnx');
  const ok = runCli(['export', '--snn', TUNED, '--model', MNIST_MODEL, '--out', out, '--steps-per-call', '2']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /wrote .*cli\.onnx \(onnx\)/);
  assert.equal(JSON.parse((await readOnnxModel(out)).metadata['msat.snn']).stepsPerCall, 2);
  const nir = runCli(['export', '--snn', TUNED, '--model', MNIST_MODEL, '--format', 'nir', '--out', join(tmp, 'x.nir')]);
  assert.equal(nir.status, 1);
  assert.match(nir.stderr, /EXPORT_UNSUPPORTED/);
  const usage = runCli(['export', '--snn', TUNED, '--model', MNIST_MODEL, '--out', out, '--sc', '0.5']);
  assert.equal(usage.status, 2);
  const notANumber = runCli(['export', '--snn', TUNED, '--model', MNIST_MODEL, '--out', out, '--sc', 'NaN,1,1']);
  assert.equal(notANumber.status, 2);
  assert.match(notANumber.stderr, /--sc .*NaN,1,1.* is invalid/);
  // an output over an input is refused before anything is written: the model and the SNN file stay as they are
  const over = runCli(['export', '--snn', TUNED, '--model', MNIST_MODEL, '--out', TUNED]);
  assert.equal(over.status, 1);
  assert.match(over.stderr, /OUTPUT_PATH: the export .* would overwrite the SNN file/);
  assert.equal(JSON.parse(readFileSync(TUNED, 'utf8')).format, 'msat-snn');
  const model = join(tmp, 'copy.onnx');
  copyFileSync(MNIST_MODEL, model);
  const convertOver = runCli(['convert', '--model', model, '--data', 'mnist', '--out', model]);
  assert.equal(convertOver.status, 1);
  assert.match(convertOver.stderr, /OUTPUT_PATH: the SNN file .*copy\.onnx would overwrite the model/);
  assert.deepEqual(readFileSync(model), readFileSync(MNIST_MODEL));
});
