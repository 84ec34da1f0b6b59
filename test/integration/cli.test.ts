/**
 * The msat command end to end, as a user runs it: `inspect`, `eval` against PyTorch's own accuracy on the
 * CIFAR-10 test folder, and one-line errors for an unsupported operator, a truncated ONNX file, a truncated
 * dataset file and a usage error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnistDataDir } from '../../src/data/index.js';
import { GraphBuilder, encodeOnnxModel } from '../../src/onnx/index.js';
import { DATASETS, FIXTURES, runCli } from '../cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-cli-'));
const cifar = JSON.parse(readFileSync(join(FIXTURES, 'cifar10_small.eval.json'), 'utf8')) as {
  mean: number[];
  std: number[];
  accuracy: number;
  predictions: number[];
  labels: number[];
};

/** Asserts a failed run printed exactly one line on stderr that contains every string in `parts`. */
function assertOneLineError(r: ReturnType<typeof runCli>, status: number, parts: string[]): void {
  assert.equal(r.status, status, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  for (const p of parts) assert.ok(lines[0].includes(p), `"${lines[0]}" should mention ${p}`);
}

test('msat inspect prints every layer with shapes, parameters and MACs', () => {
  const r = runCli(['inspect', '--model', join(FIXTURES, 'vgg_bn.onnx')]);
  assert.equal(r.status, 0, r.stderr);
  for (const s of ['conv', 'batchnorm', 'maxpool', 'avgpool', 'reshape', 'linear', '[N, 8, 32, 32]', 'total']) assert.ok(r.stdout.includes(s), s);
  const json = JSON.parse(runCli(['inspect', '--model', join(FIXTURES, 'vgg_bn.onnx'), '--json']).stdout);
  assert.equal(json.totalParams, 39738);
});

test('msat eval on the CIFAR-10 JPEG test folder reports the accuracy PyTorch measured on the same 10,000 images', () => {
  const r = runCli([
    'eval',
    '--model',
    join(FIXTURES, 'cifar10_small.onnx'),
    '--data',
    join(DATASETS, 'cifar10-jpeg'),
    '--mean',
    cifar.mean.join(','),
    '--std',
    cifar.std.join(','),
    '--batch',
    '250',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.samples, 10000);
  assert.equal(result.correct, Math.round(cifar.accuracy * 10000));
  assert.equal(result.accuracy, result.correct / 10000);
});

test('msat eval --limit takes the first N samples in dataset order (class, then file name)', () => {
  const r = runCli([
    'eval',
    '--model',
    join(FIXTURES, 'cifar10_small.onnx'),
    '--data',
    join(DATASETS, 'cifar10-jpeg', 'test'),
    '--mean',
    cifar.mean.join(','),
    '--std',
    cifar.std.join(','),
    '--limit',
    '300',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const expected = cifar.predictions.slice(0, 300).filter((p, i) => p === cifar.labels[i]).length;
  assert.deepEqual([JSON.parse(r.stdout).samples, JSON.parse(r.stdout).correct], [300, expected]);
});

test('an unsupported operator is a one-line error naming the node, the operator and the file', () => {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 4]);
  const w = b.initializer('w', { type: 'float32', dims: [3, 4], data: new Float32Array(12).fill(0.1) });
  const h = b.node('Gemm', [x, w], { transB: { type: 'int', value: 1 } });
  b.output(b.node('Sigmoid', [h], {}, { name: 'head/act' }), 'float32');
  const file = join(tmp, 'sigmoid.onnx');
  writeFileSync(file, encodeOnnxModel(b.build(13)));
  assertOneLineError(runCli(['inspect', '--model', file]), 1, ['ONNX_UNSUPPORTED_OP', 'head/act', 'Sigmoid', file]);
});

test('a truncated ONNX file is a one-line error naming the file', () => {
  const bytes = readFileSync(join(FIXTURES, 'vgg_bn.onnx'));
  const file = join(tmp, 'truncated.onnx');
  writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  assertOneLineError(runCli(['eval', '--model', file, '--data', 'mnist']), 1, ['ONNX_MALFORMED', file]);
});

test('a truncated dataset file is a one-line error naming the file', () => {
  const dir = mkdtempSync(join(tmp, 'mnist-'));
  for (const f of ['t10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'])
    copyFileSync(join(mnistDataDir(), f), join(dir, f));
  const images = readFileSync(join(mnistDataDir(), 't10k-images-idx3-ubyte'));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images.subarray(0, 100_000));
  const r = runCli(['eval', '--model', join(FIXTURES, 'cifar10_small.onnx'), '--data', dir]);
  assertOneLineError(r, 1, ['DATA_CORRUPT', join(dir, 't10k-images-idx3-ubyte')]);
});

test('a usage error exits with code 2', () => {
  assert.equal(runCli(['eval', '--data', 'mnist']).status, 2);
  assert.equal(runCli(['eval', '--model', 'm.onnx', '--data', 'mnist', '--limit', 'zero']).status, 2);
  const every = runCli(['convert', '--model', 'm.onnx', '--data', 'mnist', '--calib-every', 'spread']);
  assert.equal(every.status, 2);
  assert.match(every.stderr, /--calib-every.*expected a positive integer or "auto", got "spread"/);
  assert.equal(runCli(['--help']).status, 0);
});
