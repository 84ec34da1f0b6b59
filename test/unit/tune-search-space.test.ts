/**
 * The search coordinates of `msat tune`: the resting ratio a candidate asks for is the one the MSAT threshold
 * (the reference implementation of docs/method.md §2) really has at λ_ref, decode/encode round-trip, and layer scales.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  configToJson,
  createSearchSpace,
  decodeCandidate,
  defaultConfig,
  encodeCandidate,
  lambdaReference,
  lambdasOfConfig,
  PERCENTILE_GRID,
  type SearchSpace,
} from '../../src/tune/index.js';
import { msatThresholdValue } from '../../src/snn/reference/threshold.js';

const LAYERS = ['a', 'b', 'c'];
// λ per layer for each percentile of the grid (smaller for lower percentiles)
const LAMBDAS = PERCENTILE_GRID.map((p, i) => [6.2 - 0.3 * i, 4.1 - 0.2 * i, 2.4 - 0.1 * i]);
const space = (method: 'msat' | 'dtt' | 'det' | 'const', layerScales = false): SearchSpace =>
  createSearchSpace({ method, layers: LAYERS, lambdas: LAMBDAS, layerScales });

test('MSAT and DTT: θ/λ at rest (ΔV = 0, x = 0) at λ = λ_ref is the searched resting ratio, for any percentile', () => {
  for (const method of ['msat', 'dtt'] as const) {
    const s = space(method);
    for (const unit of [
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.05],
      [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.95],
      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    ]) {
      const u = unit.slice(0, s.dimensions.length);
      const c = decodeCandidate(s, u);
      const lambdaRef = lambdaReference(lambdasOfConfig(s, c));
      const ratio = msatThresholdValue(method === 'msat' ? 'dtt+det' : 'dtt', lambdaRef, c.neuron.hp, 0, 0) / lambdaRef;
      const restRatio = encodeCandidate(s, c)[0];
      assert.ok(Math.abs(restRatio - u[0]) < 1e-9, `${method}: coordinate ${u[0]} → ${restRatio}`);
      const r = 1 / (1 + Math.exp(-(Math.log(0.15 / 0.85) + u[0] * (Math.log(0.95 / 0.05) - Math.log(0.15 / 0.85)))));
      assert.ok(Math.abs(ratio - r) < 1e-9, `${method}: θ/λ at rest ${ratio} vs ${r}`);
    }
  }
});

test('DET: the resting ratio is σ(τ_rd); const: k', () => {
  const det = decodeCandidate(space('det'), [1, 0.5, 0]);
  assert.ok(Math.abs(msatThresholdValue('det', 3, det.neuron.hp, 0, 0) / 3 - 0.95) < 1e-9);
  const c = decodeCandidate(space('const'), [0, 0]);
  assert.ok(Math.abs(c.neuron.k - 0.25) < 1e-12);
  assert.equal(c.percentile, 1);
  assert.equal(c.neuron.method, 'const');
});

test('decode ∘ encode is the identity on the searched quantities; percentile bins and layer scales', () => {
  for (const method of ['msat', 'dtt', 'det', 'const'] as const) {
    const s = space(method, true);
    const d = s.dimensions.length;
    const u = Array.from({ length: d }, (_, i) => (0.13 + 0.37 * i) % 1);
    const pi = s.dimensions.findIndex((x) => x.name === 'percentile');
    u[pi] = (3 + 0.5) / PERCENTILE_GRID.length; // centre of bin 3
    const c = decodeCandidate(s, u);
    assert.equal(c.percentile, PERCENTILE_GRID[3]);
    const back = encodeCandidate(s, c);
    for (let i = 0; i < d; i++) assert.ok(Math.abs(back[i] - u[i]) < 1e-9, `${method} ${s.dimensions[i].name}: ${u[i]} → ${back[i]}`);
    const lambdas = lambdasOfConfig(s, c) as number[];
    lambdas.forEach((l, i) => assert.equal(l, Math.fround(LAMBDAS[3][i] * c.layerScales![i])));
  }
});

test("the authors' defaults decode to themselves and encode inside the unit cube", () => {
  const s = space('msat');
  const d = defaultConfig('msat');
  assert.deepEqual(d.neuron.hp, { alpha: 0.03, ka: 1, ki: 1, C: 5, taump: 1, taurd: 1 });
  assert.equal(d.percentile, 1);
  for (const u of encodeCandidate(s, d)) assert.ok(u >= 0 && u <= 1);
  assert.throws(() => createSearchSpace({ method: 'msat', layers: LAYERS, lambdas: [LAMBDAS[1]], percentiles: [0.999] }), /must contain 1/);
});

test("γ: every decoded candidate has the space's burst size (default 1), the report records it only when > 1", () => {
  const burst = createSearchSpace({ method: 'msat', layers: LAYERS, lambdas: LAMBDAS, gamma: 2 });
  const config = decodeCandidate(
    burst,
    burst.dimensions.map(() => 0.4),
  );
  assert.equal(config.neuron.gamma, 2);
  assert.equal(configToJson(config, LAYERS).gamma, 2);
  assert.equal(
    decodeCandidate(
      space('msat'),
      space('msat').dimensions.map(() => 0.4),
    ).neuron.gamma,
    1,
  );
  assert.equal('gamma' in configToJson(defaultConfig('msat'), LAYERS), false);
  assert.throws(() => createSearchSpace({ method: 'msat', layers: LAYERS, lambdas: LAMBDAS, gamma: 0 }), /gamma/);
});
