/**
 * The arithmetic of sharded runs: shards tile the samples exactly; exact sums give the same value in any order
 * and grouping (against plain float64 addition, which does not); Pearson sums merged from parts equal those
 * added in one pass, to the last bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShard, shardRange } from '../../src/data/index.js';
import { addExact, addExactSums, exactValue } from '../../src/snn/exact-sum.js';
import { addPearsonPairs, emptyPearsonSums, mergePearsonSums, pearsonOf } from '../../src/snn/simulation-tallies.js';
import { createRng } from '../../src/snn/index.js';

test('shards of L samples tile [0, L) contiguously, sizes within one of each other', () => {
  for (const [L, N] of [
    [25, 3],
    [10, 10],
    [1000, 7],
    [5, 1],
  ]) {
    const ranges = Array.from({ length: N }, (_, index) => shardRange(L, { index, count: N }));
    let next = 0;
    for (const r of ranges) {
      assert.equal(r.first, next);
      next += r.samples;
    }
    assert.equal(next, L);
    const sizes = ranges.map((r) => r.samples);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${L}/${N}: ${sizes}`);
  }
  assert.deepEqual(shardRange(25, { index: 1, count: 3 }), { first: 8, samples: 8 });
});

test('parseShard takes 0-based K/N and refuses anything else in one line', () => {
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  for (const bad of ['8/8', '1/0', '-1/3', '1', 'a/b', '1/3/4']) assert.throws(() => parseShard(bad), /--shard .*K\/N/);
});

test('exact sums: any order and grouping gives the correctly rounded sum; plain addition does not', () => {
  const rng = createRng(1);
  const terms = Array.from({ length: 2000 }, () => (rng.nextFloat() - 0.5) * 10 ** Math.floor(rng.nextFloat() * 30 - 15));
  terms.push(1e16, 1, -1e16); // plain addition loses the 1
  const one: number[] = [];
  for (const t of terms) addExact(one, t);
  const reversed: number[] = [];
  for (const t of [...terms].reverse()) addExact(reversed, t);
  // three groups summed apart, then joined: the shards of a run
  const parts = [terms.slice(0, 700), terms.slice(700, 1500), terms.slice(1500)].map((g) => {
    const p: number[] = [];
    for (const t of g) addExact(p, t);
    return p;
  });
  const joined: number[] = [];
  for (const p of [parts[2], parts[0], parts[1]]) addExactSums(joined, p);
  assert.equal(exactValue(reversed), exactValue(one));
  assert.equal(exactValue(joined), exactValue(one));
  // the reference: every term is a multiple of 2^-1100 at most, so BigInt fixed point holds the exact sum
  const scale = 2n ** 1100n;
  const exact = terms.reduce((a, t) => a + toFixed(t, scale), 0n);
  assert.equal(exactValue(one), fromFixed(exact, scale));
  const plain = terms.reduce((a, t) => a + t, 0);
  const plainReversed = [...terms].reverse().reduce((a, t) => a + t, 0);
  assert.ok(plain !== exactValue(one) || plainReversed !== exactValue(one), 'plain float64 addition is order-dependent here');
  assert.equal(exactValue([]), 0);
});

test('Pearson sums of shards merged = the sums of one pass, bit for bit', () => {
  const rng = createRng(7);
  const n = 4096;
  const counts = Float32Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 20));
  const pre = Float32Array.from({ length: n }, (_, i) => counts[i] * 0.05 + (rng.nextFloat() - 0.5) * 0.1);
  const all = emptyPearsonSums();
  for (let at = 0; at < n; at += 64) addPearsonPairs(all, counts, pre, 0.05, at, at + 64);
  const shards = [0, 1, 2].map((k) => {
    const s = emptyPearsonSums();
    for (let at = k * 64; at < n; at += 3 * 64) addPearsonPairs(s, counts, pre, 0.05, at, at + 64);
    return s;
  });
  const merged = mergePearsonSums(mergePearsonSums(shards[2], shards[0]), shards[1]);
  assert.equal(merged.n, n);
  assert.equal(pearsonOf(merged), pearsonOf(all));
  assert.ok(pearsonOf(all) > 0.9);
});

function toFixed(x: number, scale: bigint): bigint {
  // x = m · 2^e exactly, with m a 53-bit integer
  if (x === 0) return 0n;
  let e = Math.floor(Math.log2(Math.abs(x))) - 52;
  let m = x / 2 ** e;
  while (!Number.isInteger(m)) {
    e -= 1;
    m = x / 2 ** e;
  }
  return e >= 0 ? BigInt(m) * 2n ** BigInt(e) * scale : (BigInt(m) * scale) / 2n ** BigInt(-e);
}

function fromFixed(v: bigint, scale: bigint): number {
  // correctly rounded: Number() of a decimal string rounds to nearest
  const negative = v < 0n;
  const a = negative ? -v : v;
  const whole = a / scale;
  const frac = a % scale;
  const digits = (frac * 10n ** 400n) / scale;
  const text = `${whole}.${digits.toString().padStart(400, '0')}`;
  return (negative ? -1 : 1) * Number(text);
}
