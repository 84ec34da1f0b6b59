/** `arrayDataset`: samples in memory, normalised per channel as the folder formats do; bad arrays are refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/index.js';
import { arrayDataset } from '../../src/data/index.js';

test('per-channel (x − mean) / std, batches in order with positions, labels and class names', async () => {
  // two samples of [2 channels, 1, 2]
  const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const ds = arrayDataset({ x, sampleShape: [2, 1, 2], labels: [1, 0], mean: [1, 3], std: [2, 0.5] });
  assert.equal(ds.length, 2);
  assert.deepEqual(ds.classes, ['0', '1']);
  assert.equal(ds.format, 'arrays');
  const batches = [];
  for await (const b of ds.batches(1)) batches.push(b);
  assert.deepEqual(Array.from(batches[0].x.data), [0, 0.5, 0, 2]);
  assert.deepEqual(Array.from(batches[1].x.data), [2, 2.5, 8, 10]);
  assert.deepEqual(
    batches.map((b) => [b.labels[0], b.indices[0]]),
    [
      [1, 0],
      [0, 1],
    ],
  );
  const same = arrayDataset({ x, sampleShape: [2, 1, 2], labels: [1, 0] });
  for await (const b of same.batches(2)) assert.deepEqual(Array.from(b.x.data), Array.from(x), 'no mean/std: the values as given');
});

test('a wrong length, a label outside the classes, or a non-positive std is a DATA_OPTIONS error naming the data', () => {
  const x = new Float32Array(8);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 1, 2] }), /DATA_OPTIONS|x has 8 values, but 3 labels/);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 3], classes: ['a', 'b'], name: 'mine' }), /mine: label 3 of sample 1/);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 1], std: [0] }), /std must be positive/);
  assert.throws(() => arrayDataset({ x, sampleShape: [2, 2], labels: [0, 1], mean: [0, 0, 0] }), /mean has 3 values for 2 channels/);
});

test('a NaN or infinite value, or one that normalises beyond float32, is a DATA_OPTIONS error naming the sample, where the arrays enter', () => {
  const x = new Float32Array(12); // three samples of [2, 2]
  const refused = (values: Record<number, number>, options: { mean?: number[]; std?: number[] }, pattern: RegExp) => {
    const bad = x.slice();
    for (const [i, v] of Object.entries(values)) bad[Number(i)] = v;
    assert.throws(
      () => arrayDataset({ x: bad, sampleShape: [2, 2], labels: [0, 1, 0], name: 'mine', ...options }),
      (e: unknown) => {
        assert.ok(isMsatError(e), String(e));
        assert.equal(e.code, 'DATA_OPTIONS');
        assert.match(e.message, pattern);
        return true;
      },
    );
  };
  refused({ 6: NaN }, {}, /^mine: sample 1 \(value 2\) is NaN; samples must be finite numbers$/);
  refused({ 11: -Infinity }, {}, /^mine: sample 2 \(value 3\) is -Infinity;/);
  // finite, but (3e38 − 0) / 0.5 is beyond float32: the batches would hold Infinity
  refused(
    { 7: 3e38 },
    { mean: [0, 0], std: [1, 0.5] },
    /^mine: sample 1 \(value 3\) is 3\.0000000\d*e\+38, which normalises beyond float32 with mean 0 and std 0\.5;/,
  );
  // values as large as float32 holds are data (a network may still overflow on them; calibration and evaluation say so)
  const huge = x.slice();
  huge[7] = 3e38;
  assert.equal(arrayDataset({ x: huge, sampleShape: [2, 2], labels: [0, 1, 0] }).length, 3);
  assert.equal(arrayDataset({ x: huge, sampleShape: [2, 2], labels: [0, 1, 0], std: [1, 1.5] }).length, 3);
});
