import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIPool, createRng, planLIPool, type LIPoolOptions } from '../../src/snn/reference/index.js';
import { isMsatError } from '../../src/core/index.js';

/**
 * Path 2 of the comparison: max over each window's real elements of the running input sums, with the window
 * geometry written out here from the PyTorch formula (not taken from the plan).
 */
function windowMaxOfSums(
  sums: Float64Array,
  dims: readonly number[],
  k: readonly number[],
  s: readonly number[],
  p: readonly number[],
): { out: Float64Array; outDims: number[] } {
  const is1d = dims.length === 3;
  const [n, c] = dims;
  const H = is1d ? 1 : dims[2];
  const W = dims[dims.length - 1];
  const [kh, kw, sh, sw, ph, pw] = is1d ? [1, k[0], 1, s[0], 0, p[0]] : [k[0], k[1], s[0], s[1], p[0], p[1]];
  const OH = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const out = new Float64Array(n * c * OH * OW);
  for (let pl = 0; pl < n * c; pl++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity;
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const ih = oh * sh - ph + a;
            const iw = ow * sw - pw + b;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            m = Math.max(m, sums[pl * H * W + ih * W + iw]);
          }
        }
        out[(pl * OH + oh) * OW + ow] = m;
      }
    }
  }
  return { out, outDims: is1d ? [n, c, OW] : [n, c, OH, OW] };
}

const CASES: Array<{ name: string; dims: number[]; k: number[]; s: number[]; p: number[] }> = [
  { name: '2-D 2x2 stride 2', dims: [2, 3, 8, 8], k: [2, 2], s: [2, 2], p: [0, 0] },
  { name: '2-D 2x2 stride 2, odd size', dims: [1, 2, 7, 5], k: [2, 2], s: [2, 2], p: [0, 0] },
  { name: '2-D 3x3 stride 2 (overlapping)', dims: [2, 2, 9, 9], k: [3, 3], s: [2, 2], p: [0, 0] },
  { name: '2-D 3x3 stride 2 padding 1', dims: [2, 2, 8, 7], k: [3, 3], s: [2, 2], p: [1, 1] },
  { name: '2-D 3x3 stride 1 padding 1', dims: [1, 3, 5, 6], k: [3, 3], s: [1, 1], p: [1, 1] },
  { name: '2-D 2x3 stride (1,2) padding (1,0)', dims: [1, 2, 6, 7], k: [2, 3], s: [1, 2], p: [1, 0] },
  { name: '1-D k2 s2', dims: [2, 3, 10], k: [2], s: [2], p: [0] },
  { name: '1-D k3 s2 (overlapping)', dims: [2, 3, 11], k: [3], s: [2], p: [0] },
  { name: '1-D k3 s2 padding 1', dims: [2, 2, 10], k: [3], s: [2], p: [1] },
];

test('LIPool: sum_k out(k) = max_j sum_k x_j(k) at every step (1e-9), 2-D and 1-D, overlapping and padded windows', () => {
  const T = 40;
  for (const [ci, cs] of CASES.entries()) {
    const options: LIPoolOptions = { kernelSize: cs.k, stride: cs.s, padding: cs.p };
    const pool = new LIPool(cs.dims, options);
    const size = cs.dims.reduce((a, b) => a * b, 1);
    const rng = createRng(100 + ci);
    const sums = new Float64Array(size);
    const outSum = new Float64Array(pool.output.length);
    for (let t = 0; t < T; t++) {
      // Mostly non-negative, spike-like values with some negatives so the max changes hands.
      const x = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        const u = rng.nextFloat();
        x[i] = u < 0.5 ? 0 : u < 0.9 ? 2 * rng.nextFloat() : -rng.nextFloat();
        sums[i] += x[i];
      }
      const out = pool.step(x);
      for (let o = 0; o < out.length; o++) outSum[o] += out[o];
      const ref = windowMaxOfSums(sums, cs.dims, cs.k, cs.s, cs.p);
      assert.deepEqual(pool.plan.outputDims, ref.outDims, `${cs.name}: output dims`);
      for (let o = 0; o < out.length; o++) {
        assert.ok(Math.abs(outSum[o] - ref.out[o]) <= 1e-9, `${cs.name} step ${t} output ${o}: ${outSum[o]} vs ${ref.out[o]}`);
      }
    }
  }
});

test('LIPool: one step from reset state equals plain max-pooling; resetState clears the accumulators', () => {
  const dims = [1, 2, 6, 6];
  const pool = new LIPool(dims, { kernelSize: 3, stride: 2, padding: 1 });
  const rng = createRng(3);
  const x = new Float64Array(72).map(() => rng.nextFloat() - 0.5);
  const first = pool.step(x).slice();
  const ref = windowMaxOfSums(x, dims, [3, 3], [2, 2], [1, 1]);
  assert.deepEqual([...first], [...ref.out]);
  pool.step(x);
  pool.resetState();
  assert.ok(pool.state.every((v) => v === 0));
  assert.deepEqual([...pool.step(x)], [...first]);
});

test('LIPool: padding never wins even when every real input is negative', () => {
  const pool = new LIPool([1, 1, 3], { kernelSize: 3, stride: 1, padding: 1 });
  const out = pool.step([-1, -2, -3]);
  assert.deepEqual([...out], [-1, -1, -2]);
});

test('LIPool: invalid geometry fails with MsatError', () => {
  assert.throws(
    () => planLIPool([1, 1, 4, 4], { kernelSize: 2, padding: 2 }),
    (e) => isMsatError(e) && /padding/.test(e.message),
  );
  assert.throws(() => planLIPool([1, 1, 4], { kernelSize: [2, 2] }), isMsatError);
  assert.throws(() => planLIPool([4, 4], { kernelSize: 2 }), isMsatError);
  assert.throws(() => planLIPool([1, 1, 2, 2], { kernelSize: 3 }), isMsatError);
  const pool = new LIPool([1, 1, 4, 4], { kernelSize: 2 });
  assert.throws(
    () => pool.step(new Float64Array(15)),
    (e) => isMsatError(e) && e.code === 'SNN_SHAPE_MISMATCH',
  );
});
