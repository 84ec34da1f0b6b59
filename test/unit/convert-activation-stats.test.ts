// ActivationStats (the streaming part of calibration) fed in uneven batches vs the math functions on the whole
// tensor at once: percentile / channelPercentiles (exact), and mean / positive fraction computed here (1e-12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/index.js';
import { ActivationStats, channelPercentiles, percentile } from '../../src/convert/index.js';
import { createRng } from '../../src/snn/reference/index.js';

const sampleDims = [3, 2, 5];
const samples = 7;
const perSample = 30;

/** ReLU-like data: about half zeros, the rest uniform in (0, 4). */
function data(): Float32Array {
  const rng = createRng(11);
  return Float32Array.from({ length: samples * perSample }, () => Math.max(0, rng.nextFloat() * 8 - 4));
}

function feed(stats: ActivationStats, all: Float32Array, batchSizes: number[]): void {
  let at = 0;
  for (const b of batchSizes) {
    stats.add(all.slice(at * perSample, (at + b) * perSample));
    at += b;
  }
}

for (const p of [1, 0.9, 0.5]) {
  for (const channelWise of [false, true]) {
    test(`p = ${p}, ${channelWise ? 'channel' : 'layer'}-wise: batches 3+1+3 give the whole-tensor percentile`, () => {
      const all = data();
      const stats = new ActivationStats({ name: 'r', sampleDims, p, method: 'linear', channelWise });
      feed(stats, all, [3, 1, 3]);
      const s = stats.summarize();
      if (channelWise) assert.deepEqual(s.lambda, channelPercentiles(all, [samples, ...sampleDims], p));
      else assert.equal(s.lambda, percentile(all, p));
      assert.equal(s.max, percentile(all, 1));
      const mean = all.reduce((a, v) => a + v, 0) / all.length;
      assert.ok(Math.abs(s.mean - mean) < 1e-12);
      assert.equal(s.positiveFraction, all.filter((v) => v > 0).length / all.length);
    });
  }
}

test('authors-rank method is passed through', () => {
  const all = data();
  const stats = new ActivationStats({ name: 'r', sampleDims, p: 0.9, method: 'authors-rank', channelWise: false });
  feed(stats, all, [7]);
  assert.equal(stats.summarize().lambda, percentile(all, 0.9, { method: 'authors-rank' }));
});

test('NaN activations and ragged batches are errors naming the layer', () => {
  const stats = new ActivationStats({ name: 'relu7', sampleDims, p: 1, method: 'linear', channelWise: false });
  const bad = new Float32Array(perSample);
  bad[4] = NaN;
  assert.throws(
    () => stats.add(bad),
    (e: unknown) => isMsatError(e) && e.code === 'CONVERT_NAN' && /relu "relu7"/.test(e.message),
  );
  assert.throws(
    () => stats.add(new Float32Array(31)),
    (e: unknown) => isMsatError(e) && e.code === 'CONVERT_BAD_SHAPE',
  );
  const empty = new ActivationStats({ name: 'relu8', sampleDims, p: 1, method: 'linear', channelWise: false });
  assert.throws(
    () => empty.summarize(),
    (e: unknown) => isMsatError(e) && e.code === 'CONVERT_EMPTY_TENSOR',
  );
});

test('a NaN or infinite activation is CONVERT_NAN naming the layer, the value and the calibration sample it came from', () => {
  for (const [value, channelWise] of [
    [Infinity, false],
    [NaN, false],
    [-Infinity, true],
    [Infinity, true],
  ] as const) {
    const stats = new ActivationStats({ name: 'relu3', sampleDims, p: 0.9, method: 'linear', channelWise });
    stats.add(new Float32Array(2 * perSample)); // samples 0 and 1 are fine
    const batch = new Float32Array(3 * perSample);
    batch[perSample + 17] = value; // the second sample of this batch: calibration sample 3, activation 17
    assert.throws(
      () => stats.add(batch),
      (e: unknown) => {
        assert.ok(isMsatError(e), String(e));
        assert.equal(e.code, 'CONVERT_NAN');
        assert.match(e.message, new RegExp(`^relu "relu3": activation 17 of calibration sample 3 is ${value};`));
        assert.ok(!e.message.includes('\n'));
        return true;
      },
      `${value}, ${channelWise ? 'channel' : 'layer'}-wise`,
    );
  }
});
