import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldBatchNorm, type BatchNormParams } from '../../src/convert/math/index.js';
import { createRng } from '../../src/snn/reference/index.js';
import { isMsatError } from '../../src/core/index.js';

function rand(seed: number, n: number, lo: number, hi: number): Float64Array {
  const rng = createRng(seed);
  return new Float64Array(n).map(() => lo + (hi - lo) * rng.nextFloat());
}

/** Naive NCHW conv2d, batch 1, float64 accumulation, zero padding. */
function conv2d(
  x: ArrayLike<number>,
  [cin, h, w]: number[],
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  cout: number,
  k: number,
  pad: number,
): Float64Array {
  const oh = h + 2 * pad - k + 1;
  const ow = w + 2 * pad - k + 1;
  const out = new Float64Array(cout * oh * ow);
  for (let co = 0; co < cout; co++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let acc = bias[co];
        for (let ci = 0; ci < cin; ci++) {
          for (let a = 0; a < k; a++) {
            for (let b = 0; b < k; b++) {
              const y = i - pad + a;
              const z = j - pad + b;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              acc += weight[((co * cin + ci) * k + a) * k + b] * x[(ci * h + y) * w + z];
            }
          }
        }
        out[(co * oh + i) * ow + j] = acc;
      }
    }
  }
  return out;
}

const COUT = 4;
const CIN = 3;
const BN: BatchNormParams = {
  scale: rand(1, COUT, 0.5, 2),
  bias: rand(2, COUT, -1, 1),
  mean: rand(3, COUT, -0.5, 0.5),
  variance: rand(4, COUT, 0.1, 3),
  epsilon: 1e-5,
};

function batchNorm(y: Float64Array, plane: number): Float64Array {
  return y.map((v, i) => {
    const c = Math.floor(i / plane);
    return ((v - BN.mean[c]) / Math.sqrt(BN.variance[c] + (BN.epsilon as number))) * BN.scale[c] + BN.bias[c];
  });
}

test('BN(conv(x; w, b)) equals conv(x; folded w, folded b): float32 weights to 1e-6, float64 to 1e-12', () => {
  const x = rand(5, CIN * 6 * 5, -1, 1);
  const w64 = rand(6, COUT * CIN * 9, -0.5, 0.5);
  const b = rand(7, COUT, -0.2, 0.2);
  const expected = batchNorm(conv2d(x, [CIN, 6, 5], w64, b, COUT, 3, 1), 6 * 5);
  const f64 = foldBatchNorm(w64, [COUT, CIN, 3, 3], b, BN);
  assert.ok(f64.weight instanceof Float64Array);
  const got64 = conv2d(x, [CIN, 6, 5], f64.weight, f64.bias, COUT, 3, 1);
  const w32 = Float32Array.from(w64);
  const f32 = foldBatchNorm(w32, [COUT, CIN, 3, 3], b, BN);
  assert.ok(f32.weight instanceof Float32Array && f32.bias instanceof Float32Array);
  const expected32 = batchNorm(conv2d(x, [CIN, 6, 5], w32, b, COUT, 3, 1), 6 * 5);
  const got32 = conv2d(x, [CIN, 6, 5], f32.weight, f32.bias, COUT, 3, 1);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(got64[i] - expected[i]) < 1e-12, `float64 output ${i}`);
    assert.ok(Math.abs(got32[i] - expected32[i]) < 1e-6, `float32 output ${i}: ${got32[i]} vs ${expected32[i]}`);
  }
  assert.deepEqual([...w32], [...Float32Array.from(w64)], 'input weight not modified');
});

test('linear layer without bias, output axis 0 ([out, in]) and 1 ([in, out]) give the same folded layer', () => {
  const IN = 5;
  const wOutIn = rand(8, COUT * IN, -1, 1);
  const wInOut = new Float64Array(IN * COUT);
  for (let o = 0; o < COUT; o++) for (let i = 0; i < IN; i++) wInOut[i * COUT + o] = wOutIn[o * IN + i];
  const a = foldBatchNorm(wOutIn, [COUT, IN], null, BN);
  const b = foldBatchNorm(wInOut, [IN, COUT], null, BN, { outputAxis: 1 });
  for (let o = 0; o < COUT; o++) {
    for (let i = 0; i < IN; i++) assert.ok(Math.abs(a.weight[o * IN + i] - b.weight[i * COUT + o]) < 1e-15);
    // Missing conv bias counts as 0: b' = -mean * f + beta.
    const f = BN.scale[o] / Math.sqrt(BN.variance[o] + 1e-5);
    assert.ok(Math.abs(a.bias[o] - (-BN.mean[o] * f + BN.bias[o])) < 1e-12);
    assert.equal(a.bias[o], b.bias[o]);
  }
});

test('foldBatchNorm rejects mismatched channel counts and non-positive variance + epsilon', () => {
  const w = new Float32Array(COUT * 2);
  assert.throws(
    () => foldBatchNorm(w, [COUT, 2], null, { ...BN, mean: [0, 0] }),
    (e) => isMsatError(e) && /mean/.test(e.message),
  );
  assert.throws(() => foldBatchNorm(w, [COUT, 3], null, BN), isMsatError);
  assert.throws(() => foldBatchNorm(w, [COUT, 2], null, { ...BN, variance: [0, 0, 0, -1], epsilon: 0 }), isMsatError);
});
