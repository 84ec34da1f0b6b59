import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ZERO_SIN_COUNTS,
  addSinCounts,
  countSin,
  layerSinStatistics,
  meanBatchSinRatio,
  sinRatio,
  spikeConfidence,
} from '../../src/snn/metrics/index.js';
import { isMsatError } from '../../src/core/index.js';

test('SIN / POS on a hand-made layer: a = 0 with spikes counts in both (docs/method.md §4)', () => {
  const n = [0, 2, 1, 3, 0, 1];
  const a = [-1, -0.5, 0, 2, 3, 1];
  // spiked: #1 (a < 0: SIN), #2 (a = 0: SIN and POS), #3 and #5 (a > 0: POS); #0 and #4 silent.
  const c = countSin(n, a);
  assert.deepEqual(c, { sin: 2, pos: 3, neurons: 6 });
  assert.equal(sinRatio(c), 0.4);
  assert.equal(spikeConfidence(c), 0.6);
  const stats = layerSinStatistics('relu3', c);
  assert.deepEqual(stats, { name: 'relu3', sin: 2, pos: 3, neurons: 6, ratio: 0.4, confidence: 0.6 });
});

test('no spikes: r = 0 and c = 1; pooling counts vs the authors mean of per-batch ratios', () => {
  const silent = countSin([0, 0], [-1, 1]);
  assert.equal(sinRatio(silent), 0);
  assert.equal(spikeConfidence(silent), 1);
  const b1 = { sin: 1, pos: 1, neurons: 4 };
  const b2 = { sin: 0, pos: 3, neurons: 4 };
  assert.equal(sinRatio(addSinCounts(addSinCounts(ZERO_SIN_COUNTS, b1), b2)), 0.2);
  assert.equal(meanBatchSinRatio([b1, b2]), 0.25);
  assert.throws(() => countSin([1], [1, 2]), isMsatError);
  assert.throws(() => meanBatchSinRatio([]), isMsatError);
});
