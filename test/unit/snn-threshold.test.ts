import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DET_EXPONENT_MAX,
  RESNET_HYPER_PARAMS,
  VGG_HYPER_PARAMS,
  detTerm,
  dttTerm,
  msatThreshold,
  msatThresholdValue,
  sigmoid,
  stableSoftplus,
  validateMsatHyperParams,
} from '../../src/snn/reference/index.js';
import { isMsatError } from '../../src/core/index.js';

function near(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

// docs/method.md §6: the table, row by row. A '—' entry means the mode leaves the term out (reported as 0).
const ROWS = [
  { lambda: 1, hp: VGG_HYPER_PARAMS, deltaV: 0.2 - 0.1, x: 0.3, mode: 'dtt+det', dtt: -0.252603, det: 0.941765, theta: 0.66578 },
  { lambda: 2.913, hp: VGG_HYPER_PARAMS, deltaV: 0, x: 0, mode: 'dtt', dtt: -2.219853, det: null, theta: 0.285421 },
  { lambda: 2.913, hp: VGG_HYPER_PARAMS, deltaV: 0, x: -0.028, mode: 'det', dtt: null, det: 1.005616, theta: 2.132786 },
  { lambda: 2.913, hp: VGG_HYPER_PARAMS, deltaV: 0, x: 0, mode: 'dtt+det', dtt: -2.219853, det: 1.0, theta: 0.664054 },
  { lambda: 1, hp: RESNET_HYPER_PARAMS, deltaV: 0, x: 0, mode: 'dtt+det', dtt: -0.153426, det: 0.5, theta: 0.585786 },
] as const;

test('docs/method.md §6 test vectors: msatThreshold matches all five rows to 1e-6', () => {
  for (const [i, row] of ROWS.entries()) {
    const got = msatThreshold({ mode: row.mode, lambda: row.lambda, hp: row.hp, deltaV: row.deltaV, x: row.x });
    if (row.dtt !== null) near(got.dtt, row.dtt, 1e-6, `row ${i + 1} DTT`);
    else assert.equal(got.dtt, 0, `row ${i + 1}: DTT left out`);
    if (row.det !== null) near(got.det, row.det, 1e-6, `row ${i + 1} DET`);
    else assert.equal(got.det, 0, `row ${i + 1}: DET left out`);
    near(got.theta, row.theta, 1e-6, `row ${i + 1} theta`);
    // The scalar form used by the neuron loop and the object form agree exactly.
    assert.equal(msatThresholdValue(row.mode, row.lambda, row.hp, row.deltaV, row.x), got.theta);
  }
});

test('term functions equal the textbook formulas on ordinary arguments (1e-12)', () => {
  for (const dv of [-3, -0.5, 0, 0.1, 2.5]) {
    const hp = RESNET_HYPER_PARAMS;
    const naive = hp.taump * (hp.alpha * dv - 1.7 + hp.ka * Math.log(1 + Math.exp(dv / hp.ki)));
    near(dttTerm(dv, hp, 1.7), naive, 1e-12, `DTT at dV=${dv}`);
  }
  for (const x of [-4, 0, 0.3, 10]) near(detTerm(x, VGG_HYPER_PARAMS), Math.exp(-x / 5), 1e-12, `DET at x=${x}`);
});

test('stableSoftplus and sigmoid stay finite and accurate at extreme arguments', () => {
  near(stableSoftplus(0), Math.LN2, 1e-15, 'softplus(0)');
  assert.equal(stableSoftplus(1000), 1000, 'softplus(z) = z for large z');
  near(stableSoftplus(-1000), 0, 1e-300, 'softplus of very negative z');
  assert.ok(stableSoftplus(-30) > 0, 'softplus stays positive');
  near(stableSoftplus(-30), Math.exp(-30), 1e-25, 'softplus(-30) ~ exp(-30)');
  assert.equal(sigmoid(1000), 1);
  assert.equal(sigmoid(-1000), 0);
  near(sigmoid(0), 0.5, 0, 'sigmoid(0)');
  near(sigmoid(-2) + sigmoid(2), 1, 1e-15, 'sigmoid symmetry');
});

test('DET exponent is clamped: a huge negative input never overflows and theta stays in (0, lambda]', () => {
  const det = detTerm(-1e9, VGG_HYPER_PARAMS);
  assert.ok(Number.isFinite(det));
  assert.equal(det, VGG_HYPER_PARAMS.taurd * Math.exp(DET_EXPONENT_MAX), 'clamped DET');
  assert.ok(Math.exp(DET_EXPONENT_MAX) < 3.4e38, 'clamped exp fits float32');
  const theta = msatThresholdValue('dtt+det', 2, VGG_HYPER_PARAMS, 0, -1e9);
  assert.equal(theta, 2);
  // A huge negative dV drives the sigmoid argument far below -80: theta stays > 0.
  const low = msatThresholdValue('dtt', 1, VGG_HYPER_PARAMS, -1e7, 0);
  assert.ok(low > 0 && low < 1e-30, `theta ${low}`);
});

test('validateMsatHyperParams rejects ki <= 0 and non-finite values with an MsatError', () => {
  assert.throws(
    () => validateMsatHyperParams({ ...VGG_HYPER_PARAMS, ki: 0 }, 'layer relu3'),
    (e) => isMsatError(e) && /relu3/.test(e.message),
  );
  assert.throws(() => validateMsatHyperParams({ ...VGG_HYPER_PARAMS, alpha: NaN }, 'x'), isMsatError);
  validateMsatHyperParams(RESNET_HYPER_PARAMS, 'ok');
});
