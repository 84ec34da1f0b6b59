// Training steps emitted by msat against PyTorch 1.13's on the same tiny conv + ReLU + BN + max-pool + linear net,
// from the same weights and batches (fixture: test/fixtures/train/train_step.json, made by
// scripts/fixtures/make_train_step_fixture.py). For SGD (momentum, Nesterov + label smoothing, dampening),
// AdamW and Adam with L2: every step's loss and, after three steps, every parameter and BN running statistic
// agree within 1e-4 (absolute, or relative for values above 1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Runner } from '../../src/runtime/index.js';
import { NetworkBuilder, StepRunner, createOptimizer, type OptimizerConfig } from '../../src/train/index.js';

interface TensorJson {
  dims: number[];
  data: number[];
}
interface Fixture {
  initial: Record<string, TensorJson>;
  batches: { x: TensorJson; labels: number[] }[];
  cases: {
    name: string;
    optimizer: OptimizerConfig;
    lr: number;
    label_smoothing: number;
    steps: number;
    losses: number[];
    final: Record<string, TensorJson>;
  }[];
}

const TOLERANCE = 1e-4;
const fixture = JSON.parse(readFileSync(new URL('../fixtures/train/train_step.json', import.meta.url), 'utf8')) as Fixture;
const runner = new Runner({ threads: 1 });
after(() => runner.dispose());

function tinyNet() {
  const b = new NetworkBuilder('tiny', { name: 'x', type: 'float32', dims: ['N', 2, 6, 6] });
  const c = b.conv('x', 3, { kernel: 3, pad: 1, name: 'conv1' });
  const p = b.maxPool(b.batchNorm(b.relu(c), 'bn1'), { kernel: 2 });
  b.linear(b.flatten(p), 5, { name: 'fc1' });
  return b.build();
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(b));

for (const c of fixture.cases) {
  test(`one-step graph = PyTorch: ${c.name}`, async () => {
    const network = tinyNet();
    const state = new Map(Object.entries(fixture.initial).map(([k, v]) => [k, Float32Array.from(v.data)]));
    const optimizer = createOptimizer(c.optimizer);
    for (const slot of optimizer.stateSlots) {
      for (const [k, v] of Object.entries(fixture.initial))
        if (!k.endsWith('.mean') && !k.endsWith('.var')) state.set(`${k}:${slot}`, new Float32Array(v.data.length));
    }
    const steps = await StepRunner.create(runner, network, { optimizer, labelSmoothing: c.label_smoothing }, state, `pytorch-step:${c.name}`);
    for (let k = 0; k < c.steps; k++) {
      const batch = fixture.batches[k];
      const r = await steps.step(
        { x: { type: 'float32', dims: batch.x.dims, data: Float32Array.from(batch.x.data) }, labels: Int32Array.from(batch.labels) },
        optimizer.scalars(k, c.lr),
      );
      assert.ok(close(r.loss, c.losses[k]), `${c.name} step ${k}: loss ${r.loss}, PyTorch ${c.losses[k]}`);
    }
    for (const [name, expected] of Object.entries(c.final)) {
      const got = steps.state.get(name)!;
      let worst = 0;
      let at = 0;
      expected.data.forEach((e, i) => {
        const d = Math.abs(got[i] - e) / Math.max(1, Math.abs(e));
        if (d > worst) [worst, at] = [d, i];
      });
      assert.ok(worst <= TOLERANCE, `${c.name} ${name}[${at}]: ${got[at]}, PyTorch ${expected.data[at]} (diff ${worst.toExponential(2)})`);
    }
  });
}
