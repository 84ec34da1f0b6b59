import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelPercentiles, layerPercentile, percentile } from '../../src/convert/math/index.js';
import { isMsatError } from '../../src/core/index.js';

const V = [3, 1, 4, 1, 5, 9, 2, 6]; // sorted: 1 1 2 3 4 5 6 9

test('linear percentile vs hand computation (q = p*(n-1), interpolate between neighbours), 1e-12', () => {
  const cases: Array<[number, number]> = [
    [0.1, 1], // q = 0.7: 1 + 0.7*(1-1)
    [0.25, 1.75], // q = 1.75: 1 + 0.75*(2-1)
    [0.5, 3.5], // q = 3.5: 3 + 0.5*(4-3)
    [0.9, 6.9], // q = 6.3: 6 + 0.3*(9-6)
    [1, 9], // the max
  ];
  for (const [p, want] of cases) assert.ok(Math.abs(percentile(V, p) - want) < 1e-12, `p=${p}: ${percentile(V, p)} vs ${want}`);
  assert.equal(percentile(Float32Array.from(V), 1), 9);
  assert.equal(layerPercentile(V, 0.5), 3.5);
});

test('linear percentile equals numpy np.quantile(method="linear") on 37 values (1e-12)', () => {
  // Fixture: python3 -c "import numpy as np; r=np.round(np.random.default_rng(0).normal(size=37),6);
  //   print(r.tolist(), [np.quantile(r,q) for q in (0.3,0.77,0.999)])"   (numpy 2.4.6)
  const r = [
    0.12573, -0.132105, 0.640423, 0.1049, -0.535669, 0.361595, 1.304, 0.947081, -0.703735, -1.265421, -0.623274, 0.041326, -2.325031, -0.218792,
    -1.245911, -0.732267, -0.544259, -0.3163, 0.411631, 1.042513, -0.128535, 1.366463, -0.665195, 0.35151, 0.90347, 0.094012, -0.743499, -0.921725,
    -0.457726, 0.220195, -1.009618, -0.209176, -0.159225, 0.540846, 0.214659, 0.355373, -0.653829,
  ];
  const want: Array<[number, number]> = [
    [0.3, -0.5600620000000002],
    [0.77, 0.35985284],
    [0.999, 1.364214332],
  ];
  for (const [p, w] of want) assert.ok(Math.abs(percentile(r, p) - w) < 1e-12, `p=${p}: ${percentile(r, p)} vs ${w}`);
});

test("authors-rank percentile: sorted[max(0, floor(n*p) - 1)], the authors' HookScale", () => {
  assert.equal(percentile(V, 0.5, { method: 'authors-rank' }), 3); // floor(4) - 1 = 3
  assert.equal(percentile(V, 0.9, { method: 'authors-rank' }), 6); // floor(7.2) - 1 = 6
  assert.equal(percentile(V, 0.05, { method: 'authors-rank' }), 1); // index clamped to 0
  assert.equal(percentile(V, 1, { method: 'authors-rank' }), 9);
});

test('channel-wise percentiles over NCHW, NCL and NC (channel axis 1, batch and space together)', () => {
  // NCHW [2, 2, 1, 2]: channel 0 holds {1, 2, 3, 4}, channel 1 holds {10, 20, 30, 40}.
  const data = [1, 2, 10, 20, 3, 4, 30, 40];
  assert.deepEqual([...channelPercentiles(data, [2, 2, 1, 2], 1)], [4, 40]);
  assert.deepEqual([...channelPercentiles(data, [2, 2, 1, 2], 0.5)], [2.5, 25]);
  assert.deepEqual([...channelPercentiles(data, [2, 2, 2], 1)], [4, 40], 'NCL');
  assert.deepEqual([...channelPercentiles([1, 5, 2, 7, 3, 6], [3, 2], 1)], [3, 7], 'NC');
});

test('invalid p, empty input, NaN or infinite values and bad dims throw MsatError', () => {
  assert.throws(() => percentile(V, 0), isMsatError);
  assert.throws(
    () => percentile(V, 99.9),
    (e) => isMsatError(e) && /0\.9999/.test(e.message),
  );
  assert.throws(() => percentile([], 0.5), isMsatError);
  assert.throws(() => percentile([1, NaN], 0.5), isMsatError);
  assert.throws(
    () => percentile([1, Infinity], 1),
    (e) => isMsatError(e) && e.code === 'CONVERT_NAN' && /value 1 is Infinity/.test(e.message),
    'an infinite value would be an infinite λ',
  );
  assert.throws(() => channelPercentiles([1, 2, -Infinity, 4], [2, 2], 0.5), isMsatError);
  assert.throws(() => channelPercentiles([1, 2, 3], [1, 2], 1), isMsatError);
});
