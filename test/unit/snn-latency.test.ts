import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencyToAnn, stepsToAccuracy } from '../../src/snn/metrics/index.js';
import { isMsatError } from '../../src/core/index.js';

const ACC = [0.1, 0.5, 0.95, 0.93, 0.96, 0.97];

test('latency to ANN - 1 %: first-reach (default) and stays-above', () => {
  assert.equal(latencyToAnn(ACC, 0.9545), 3);
  assert.equal(latencyToAnn(ACC, 0.9545, { rule: { kind: 'stays-above' } }), 5);
  assert.equal(latencyToAnn(ACC, 0.99), null);
  assert.equal(latencyToAnn(ACC, 0.9545, { margin: 0.02 }), 3);
  assert.equal(stepsToAccuracy(ACC, 0.5), 2);
  assert.equal(stepsToAccuracy(ACC, 0.5, { kind: 'stays-above' }), 2);
  assert.equal(stepsToAccuracy([], 0.5), null);
});

test('an accuracy exactly at ANN - margin counts despite float rounding of the subtraction', () => {
  assert.ok(0.5006 - 0.01 > 0.4906, 'the subtraction really rounds upwards');
  assert.equal(latencyToAnn([0.3, 0.4906], 0.5006), 2);
});

test('percent instead of fractions is rejected', () => {
  assert.throws(
    () => latencyToAnn([10, 95], 95.45),
    (e) => isMsatError(e) && /0\.9545/.test(e.message),
  );
});
