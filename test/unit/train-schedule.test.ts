// Learning-rate schedules (pure functions) against the rates PyTorch 1.13's schedulers produce for the same
// settings (values printed by torch.optim.lr_scheduler, 20 steps; tolerance 1e-12), and training-option validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate, resolveTrainConfig, defaultMilestones, validateSchedule } from '../../src/train/index.js';

const close = (a: number[], b: number[]): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-12, `step ${i}: ${v} vs PyTorch ${b[i]}`));
};
const steps = (n: number, f: (step: number) => number): number[] => Array.from({ length: n }, (_, s) => f(s));

test('onecycle = OneCycleLR(max_lr=0.1, total_steps=20) (cosine, pct_start 0.3, div 25, final div 1e4)', () => {
  const torch = [
    0.0040000000000000036, 0.013167184270002533, 0.037167184270002526, 0.06683281572999747, 0.09083281572999748, 0.1, 0.09874640062350874,
    0.09504846320134738, 0.089091617757105, 0.0811745653949763, 0.07169430017913009, 0.06112620219362893, 0.0500002, 0.03887419780637107,
    0.028306099820869922, 0.0188258346050237, 0.010908782242895003, 0.004951936798652629, 0.0012539993764912555, 4e-7,
  ];
  close(
    steps(20, (s) => learningRate({ kind: 'onecycle' }, 0.1, { step: s, stepsPerEpoch: 5, totalSteps: 20 })),
    torch,
  );
});

test('cosine = CosineAnnealingLR(T_max=20, eta_min=0.001) stepped per batch', () => {
  const torch = [
    0.1, 0.09939057285945932, 0.09757729755661011, 0.09460482294732421, 0.09054634122155991, 0.0855017856687341, 0.07959536998847742,
    0.07297252973710756, 0.0657963412215599, 0.05824350601949144, 0.0505, 0.04275649398050859, 0.03520365877844011, 0.02802747026289244,
    0.02140463001152259, 0.015498214331265903, 0.010453658778440109, 0.006395177052675795, 0.0034227024433899004, 0.001609427140540686,
  ];
  close(
    steps(20, (s) => learningRate({ kind: 'cosine', minLr: 0.001 }, 0.1, { step: s, stepsPerEpoch: 4, totalSteps: 20 })),
    torch,
  );
});

test('step = MultiStepLR(milestones=[2, 4], gamma=0.1) stepped per epoch; warm-up is linear', () => {
  const torch = [0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002];
  close(
    steps(6, (e) => learningRate({ kind: 'step', milestones: [2, 4] }, 0.1, { step: e * 3 + 2, stepsPerEpoch: 3, totalSteps: 18 })),
    torch,
  );
  const warm = steps(4, (s) => learningRate({ kind: 'cosine', warmupEpochs: 1 }, 0.1, { step: s, stepsPerEpoch: 4, totalSteps: 40 }));
  close(warm, [0.025, 0.05, 0.075, 0.1]);
  assert.deepEqual(defaultMilestones(200), [100, 150]);
});

test('option validation names the bad value', () => {
  assert.throws(() => resolveTrainConfig({ data: 'mnist' }), /architecture is required/);
  assert.throws(() => resolveTrainConfig({ arch: 'lenet' as never, data: 'mnist' }), /unknown architecture "lenet"; must be one of mnist-cnn/);
  assert.throws(() => resolveTrainConfig({ arch: 'vgg16', data: 'x', batchSize: 0 }), /batch size must be a positive integer, got 0/);
  assert.throws(() => resolveTrainConfig({ arch: 'vgg16', data: 'x', optimizer: { kind: 'sgd', momentum: 0, nesterov: true } }), /Nesterov/);
  assert.throws(() => resolveTrainConfig({ arch: 'vgg16', data: 'x', mean: [0.5] }), /both mean and std/);
  assert.throws(() => validateSchedule({ kind: 'onecycle', pctStart: 1.5 }), /pctStart must be in \(0, 1\)/);
  const c = resolveTrainConfig({ arch: 'resnet20', data: 'x', epochs: 8, schedule: { kind: 'step', milestones: [] }, optimizer: { kind: 'adamw' } });
  assert.deepEqual(c.schedule, { kind: 'step', milestones: [4, 6] });
  assert.equal(c.lr, 1e-3);
});
