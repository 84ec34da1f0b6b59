/** The lower confidence bound the exit choice holds a rule to: normal quantiles and the paired bound, by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/index.js';
import { normalQuantile, pairedLowerBound } from '../../src/tune/accuracy-bound.js';

test('normalQuantile matches tabulated standard normal quantiles in the centre and both tails', () => {
  const table: [number, number][] = [
    [0.5, 0],
    [0.9, 1.2815515655446004],
    [0.975, 1.959963984540054],
    [0.01, -2.3263478740408408],
    [0.999, 3.090232306167813],
    [1e-6, -4.753424308822899],
  ];
  for (const [p, z] of table)
    assert.ok(Math.abs(normalQuantile(p) - z) < 1e-8 * Math.max(1, Math.abs(z)), `Φ⁻¹(${p}) = ${normalQuantile(p)}, not ${z}`);
  assert.throws(
    () => normalQuantile(1),
    (e) => isMsatError(e) && e.code === 'TUNE_OPTIONS',
  );
});

test('pairedLowerBound: the mean difference at level 0.5, minus z·s/√n above it; unequal lengths are an error', () => {
  // differences 0, +1, 0, 0, −1, 0: mean 0, sample variance 2/5
  const correct = [1, 1, 0, 1, 0, 1];
  const ann = [1, 0, 0, 1, 1, 1];
  assert.equal(pairedLowerBound(correct, ann, 0.5), 0);
  const bound = pairedLowerBound(correct, ann, 0.9);
  assert.ok(Math.abs(bound - -1.2815515655446004 * Math.sqrt(0.4 / 6)) < 1e-9, `bound ${bound}`);
  // samples both get right or both wrong add no noise: only the disagreements count
  assert.equal(pairedLowerBound([1, 1, 0, 0], [1, 1, 0, 0], 0.99), 0);
  assert.ok(pairedLowerBound([1, 1, 1, 1], [0, 0, 0, 0], 0.99) === 1);
  assert.throws(
    () => pairedLowerBound([1, 0], [1], 0.9),
    (e) => isMsatError(e) && e.code === 'TUNE_DATA',
  );
});
