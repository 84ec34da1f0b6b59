// Every architecture's training-step graph loads in onnxruntime and takes a step (narrow widths, batch 2), and
// the evaluation graph (batch norm on running statistics) gives the same logits as `exportOnnx` of the same
// network, i.e. what `msat eval` runs on a trained model (within 1e-5).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/core/tensor.js';
import { networkToOnnxBytes } from '../../src/model/index.js';
import { Runner } from '../../src/runtime/index.js';
import {
  EvalRunner,
  StepRunner,
  TrainRng,
  buildArchitecture,
  createOptimizer,
  drawDropoutMasks,
  initializeNetwork,
  readParameters,
  withParameters,
  type ArchitectureName,
} from '../../src/train/index.js';

const runner = new Runner({ threads: 1 });
after(() => runner.dispose());

const cases: [ArchitectureName, number[], number][] = [
  ['mnist-cnn', [1, 28, 28], 0.25],
  ['vgg16', [3, 32, 32], 0.0625],
  ['resnet20', [3, 32, 32], 0.25],
  ['resnet18', [3, 32, 32], 0.0625],
  ['speech-cnn', [1, 98, 40], 0.25],
  ['text-cnn', [20], 0.1],
];

function batch(shape: number[], text: boolean, rng: TrainRng): { x: Tensor; labels: Int32Array } {
  const n = 2 * shape.reduce((a, b) => a * b, 1);
  const x: Tensor = text
    ? { type: 'int64', dims: [2, ...shape], data: BigInt64Array.from({ length: n }, () => BigInt(rng.nextInt(300))) }
    : { type: 'float32', dims: [2, ...shape], data: Float32Array.from({ length: n }, () => rng.nextNormal()) };
  return { x, labels: Int32Array.of(1, 3) };
}

for (const [name, shape, width] of cases) {
  test(`${name}: a training step runs and the eval graph equals exportOnnx`, async () => {
    const rng = new TrainRng(11);
    const arch = buildArchitecture(name, { sampleShape: shape, classes: 5, width, vocab: 300, embeddingDim: 8 });
    const network = initializeNetwork(arch.network, { kind: 'kaiming-normal' }, 1);
    const optimizer = createOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 });
    const steps = await StepRunner.create(runner, network, { optimizer, dropout: arch.dropout }, undefined, `arch:${name}`);
    const b = batch(shape, name === 'text-cnn', rng);
    const before = steps.state;
    const r = await steps.step(b, optimizer.scalars(0, 0.01), drawDropoutMasks(steps.graph, 2, rng));
    assert.ok(Number.isFinite(r.loss) && r.loss > 0, `loss ${r.loss}`);
    assert.ok(r.correct >= 0 && r.correct <= 2);
    const moved = [...before.keys()].filter((k) => !k.includes(':') && before.get(k)!.some((v, i) => v !== steps.state.get(k)![i]));
    assert.ok(moved.length > 0, 'the step changed the parameters');

    // Trained-looking state: the stepped weights, and running statistics moved away from 0 / 1.
    const trained = withParameters(network, steps.state);
    const evaluator = await EvalRunner.create(runner, trained, `arch-eval:${name}`);
    const ours = await evaluator.run(b, readParameters(trained));
    const exported = await runner.session(`arch-export:${name}`, () => networkToOnnxBytes(trained));
    const ref = (await exported.run({ input: b.x }))[trained.outputs[0]].data as Float32Array;
    const got = ours.logits.data;
    let diff = 0;
    ref.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - got[i]) / Math.max(1, Math.abs(v)))));
    assert.ok(diff <= 1e-5, `${name}: eval graph vs exportOnnx differ by ${diff}`);
  });
}
