import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mulberry32, createRng, fillUniform } from '../../src/snn/reference/index.js';
import { isMsatError } from '../../src/core/index.js';

test('mulberry32: same seed gives the same stream, state resumes it, floats lie in [0, 1)', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = fillUniform(a, new Float64Array(1000));
  const ys = fillUniform(b, new Float64Array(1000));
  assert.deepEqual([...xs], [...ys]);
  assert.ok(xs.every((v) => v >= 0 && v < 1));
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean}`);
  const resumed = new Mulberry32(a.state);
  assert.equal(resumed.nextUint32(), a.clone().nextUint32());
  assert.notEqual(createRng(43).nextFloat(), createRng(42).nextFloat());
});

test('mulberry32 matches the canonical mulberry32 one-liner for several seeds (exact)', () => {
  // Reference: the canonical JS one-liner, inlined here as the second path.
  function reference(seed: number): () => number {
    let s = seed;
    return () => {
      s |= 0;
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  for (const seed of [0, 1, 123456789, 0xffffffff]) {
    const ref = reference(seed);
    const ours = createRng(seed);
    for (let i = 0; i < 50; i++) assert.equal(ours.nextFloat(), ref(), `seed ${seed} draw ${i}`);
  }
});

test('non-integer seeds are rejected', () => {
  assert.throws(() => createRng(1.5), isMsatError);
});
