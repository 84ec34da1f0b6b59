/** The ANN's prediction per row of logits: the first largest value, or none (−1) when a row holds NaN or ±Infinity. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows } from '../../src/ann/index.js';

test('argmaxRows picks the first largest value, and −1 for a row with a NaN or an infinite value instead of a class', () => {
  const rows = [
    [0.1, 0.7, 0.7, -1],
    [NaN, 0, 0, 0],
    [0, 0, Infinity, 0],
    [0, -Infinity, 0, 0],
    [-3e38, -3e38, -2e38, -3e38],
  ];
  const logits = { type: 'float32' as const, dims: [rows.length, 4], data: Float32Array.from(rows.flat()) };
  assert.deepEqual(Array.from(argmaxRows(logits)), [1, -1, -1, -1, 2]);
});
