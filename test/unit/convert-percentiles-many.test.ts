/** Several percentiles from one sort (what `msat tune` calibrates with) equal the one-at-a-time functions exactly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelPercentiles, channelPercentilesMany, percentile, percentiles } from '../../src/convert/math/index.js';
import { ActivationStats } from '../../src/convert/index.js';
import { Mulberry32 } from '../../src/core/index.js';

const PS = [1, 0.99999, 0.999, 0.9, 0.5];
const rng = new Mulberry32(5);
const DATA = Float32Array.from({ length: 4 * 3 * 5 * 5 }, () => Math.max(0, rng.nextNormal()));

test('percentiles(values, ps)[i] === percentile(values, ps[i]) (both methods)', () => {
  for (const method of ['linear', 'authors-rank'] as const) {
    assert.deepEqual(
      percentiles(DATA, PS, { method }),
      PS.map((p) => percentile(DATA, p, { method })),
    );
  }
  assert.deepEqual(percentiles(DATA, [1, 1]), [percentile(DATA, 1), percentile(DATA, 1)]);
});

test('channelPercentilesMany equals channelPercentiles per p', () => {
  const many = channelPercentilesMany(DATA, [4, 3, 5, 5], PS);
  PS.forEach((p, i) => assert.deepEqual(many[i], channelPercentiles(DATA, [4, 3, 5, 5], p)));
});

test('ActivationStats.summarizeMany equals one summarize per percentile', () => {
  for (const channelWise of [false, true]) {
    const make = (p: number) => new ActivationStats({ name: 'r', sampleDims: [3, 5, 5], p, method: 'linear', channelWise });
    const many = make(Math.min(...PS));
    many.add(DATA);
    const got = many.summarizeMany(PS);
    PS.forEach((p, i) => {
      const one = make(p);
      one.add(DATA);
      assert.deepEqual(got[i], one.summarize());
    });
  }
});
