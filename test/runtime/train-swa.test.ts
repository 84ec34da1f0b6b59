// Weight averaging (SWA): the running mean equals the arithmetic mean of the snapshots, and the batch-norm
// statistics recomputed for a network are the mean over batches of each batch's mean and unbiased variance —
// checked on a network whose batch norm reads the MNIST pixels, so the expected values come from the data alone.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset } from '../../src/data/index.js';
import { Runner } from '../../src/runtime/index.js';
import { NetworkBuilder, StepRunner, createOptimizer, foldIntoAverage, readParameters, recomputeBatchNorm } from '../../src/train/index.js';

const runner = new Runner({ threads: 2 });
after(() => runner.dispose());

test('the running average of snapshots is their arithmetic mean', () => {
  const snapshots = [
    [1, -2, 0.5],
    [3, 0, 0.25],
    [-1, 4, 1],
    [5, 2, -0.75],
  ].map((v) => new Map([['w', Float32Array.from(v)]]));
  const average = new Map<string, Float32Array>();
  snapshots.forEach((s, i) => foldIntoAverage(average, s, i));
  const expected = [2, 1, 0.25];
  average.get('w')!.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `w[${i}] = ${v}, expected ${expected[i]}`));
  assert.notEqual(average.get('w'), snapshots[0].get('w'), 'the first snapshot is copied, not aliased');
  assert.deepEqual([...snapshots[0].get('w')!], [1, -2, 0.5]);
});

test('recomputed batch-norm statistics are the mean over batches of the batch mean and unbiased variance', async () => {
  // Batch norm over 7×7 max-pools of the pixels: 16 values per image, so the unbiased factor (160/159, 80/79) is
  // far above float32 rounding in the graph's reductions.
  const b = new NetworkBuilder('bn-pooled', { name: 'input', type: 'float32', dims: ['N', 1, 28, 28] });
  const network = b.build([b.linear(b.flatten(b.batchNorm(b.maxPool('input', { kernel: 7 }))), 10)]);
  const optimizer = createOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 });
  const steps = await StepRunner.create(runner, network, { optimizer }, undefined, 'train:bn-pooled');
  const data = await openDataset('mnist', { split: 'train', limit: 25, mean: [0.1307], std: [0.3081] });
  const params = readParameters(network);
  const stats = await recomputeBatchNorm(steps, data, 10, params, optimizer.scalars(0, 0.1), (raw) => raw);

  const means: number[] = [];
  const variances: number[] = [];
  for await (const { x } of data.batches(10)) {
    const pooled: number[] = [];
    for (let i = 0; i < x.dims[0]; i++) {
      for (let by = 0; by < 4; by++) {
        for (let bx = 0; bx < 4; bx++) {
          let max = -Infinity;
          for (let y = 0; y < 7; y++) for (let c = 0; c < 7; c++) max = Math.max(max, x.data[i * 784 + (by * 7 + y) * 28 + bx * 7 + c]);
          pooled.push(max);
        }
      }
    }
    const mean = pooled.reduce((a, v) => a + v, 0) / pooled.length;
    means.push(mean);
    variances.push(pooled.reduce((a, v) => a + (v - mean) ** 2, 0) / (pooled.length - 1));
  }
  assert.equal(means.length, 3, 'batches of 10, 10 and 5');
  const avg = (v: number[]): number => v.reduce((a, c) => a + c, 0) / v.length;
  const [meanName, varName] = [...stats.keys()].sort();
  assert.match(meanName, /\.mean$/);
  assert.match(varName, /\.var$/);
  const close = (got: number, want: number, what: string): void =>
    assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: ${got}, expected ${want}`);
  close(stats.get(meanName)![0], avg(means), 'mean');
  close(stats.get(varName)![0], avg(variances), 'variance');
  // Nothing moved on: the runner's own state is that of the untrained network.
  for (const [name, v] of params) assert.deepEqual(steps.state.get(name), v, `${name} changed`);
});
