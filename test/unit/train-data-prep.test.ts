// Seeded randomness, initialisation and augmentation (pure TypeScript): each against a direct reference or the
// statistics its formula promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NetworkBuilder,
  TrainRng,
  augmentBatch,
  deriveRng,
  deriveSeed,
  fans,
  initializeNetwork,
  readParameters,
  shuffledIndices,
} from '../../src/train/index.js';

test('rng: reproducible from its state; derived streams differ by tag; shuffles are permutations', () => {
  const a = new TrainRng(42);
  a.nextUint32();
  const b = new TrainRng(a.state);
  assert.deepEqual([a.nextUint32(), a.nextFloat()], [b.nextUint32(), b.nextFloat()]);
  assert.equal(deriveSeed(1, 'shuffle', 3), deriveSeed(1, 'shuffle', 3));
  const seeds = new Set([deriveSeed(1, 'shuffle', 3), deriveSeed(1, 'shuffle', 4), deriveSeed(1, 'augment', 3), deriveSeed(2, 'shuffle', 3)]);
  assert.equal(seeds.size, 4);
  const p = shuffledIndices(1000, deriveRng(0, 'x'));
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const normals = Array.from({ length: 20000 }, () => a.nextNormal());
  const mean = normals.reduce((s, v) => s + v, 0) / normals.length;
  const sd = Math.sqrt(normals.reduce((s, v) => s + (v - mean) ** 2, 0) / normals.length);
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(sd - 1) < 0.03, `normal mean ${mean}, sd ${sd}`);
});

test('init: Kaiming normal std = √(2/fan_out) for convs, PyTorch-default bounds for linear; seeded and per-tensor', () => {
  const b = new NetworkBuilder('t', { name: 'x', type: 'float32', dims: ['N', 16, 8, 8] });
  b.linear(b.flatten(b.batchNorm(b.conv('x', 64, { kernel: 3, pad: 1, name: 'c' }), 'bn')), 10, { name: 'fc' });
  const net = b.build();
  assert.deepEqual(fans([64, 16, 3, 3]), { fanIn: 144, fanOut: 576 });
  const v = readParameters(initializeNetwork(net, { kind: 'kaiming-normal', mode: 'fan_out' }, 3));
  const w = v.get('c.weight')!;
  const sd = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
  assert.ok(Math.abs(sd / Math.sqrt(2 / 576) - 1) < 0.05, `conv std ${sd}`);
  assert.ok(v.get('c.bias')!.every((x) => x === 0));
  assert.ok(v.get('bn.scale')!.every((x) => x === 1) && v.get('bn.var')!.every((x) => x === 1));
  const bound = 1 / Math.sqrt(64 * 64);
  assert.ok(v.get('fc.weight')!.every((x) => Math.abs(x) <= bound) && v.get('fc.weight')!.some((x) => Math.abs(x) > bound / 2));
  const again = readParameters(initializeNetwork(net, { kind: 'kaiming-normal', mode: 'fan_out' }, 3));
  assert.deepEqual(again.get('c.weight'), w);
  assert.notDeepEqual(readParameters(initializeNetwork(net, { kind: 'kaiming-normal' }, 4)).get('c.weight'), w);
  const pt = readParameters(initializeNetwork(net, { kind: 'pytorch-default' }, 3)).get('c.weight')!;
  assert.ok(pt.every((x) => Math.abs(x) <= 1 / 12));
});

/** Reference: pad the image with `fill`, take the window at (dy, dx), mirror it. */
function reference(
  img: Float32Array,
  C: number,
  H: number,
  W: number,
  pad: number,
  fill: number,
  dy: number,
  dx: number,
  mirror: boolean,
): Float32Array {
  const out = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const pj = mirror ? W - 1 - j : j;
        const si = i + dy - pad;
        const sj = pj + dx - pad;
        out[(c * H + i) * W + j] = si < 0 || si >= H || sj < 0 || sj >= W ? fill : img[(c * H + si) * W + sj];
      }
  return out;
}

test('augment: every sample is some padded crop (+ mirror) of its input, and the choices are seeded', () => {
  const [B, C, H, W, pad] = [16, 2, 5, 6, 2];
  const data = Float32Array.from({ length: B * C * H * W }, (_, i) => i + 1);
  const x = { type: 'float32' as const, dims: [B, C, H, W], data };
  const y = augmentBatch(x, { cropPadding: pad, flip: true, fill: [-7] }, new TrainRng(5));
  const seen = new Set<string>();
  for (let b = 0; b < B; b++) {
    const img = data.subarray(b * C * H * W, (b + 1) * C * H * W);
    const got = y.data.subarray(b * C * H * W, (b + 1) * C * H * W);
    let match: string | undefined;
    for (let dy = 0; dy <= 2 * pad && !match; dy++)
      for (let dx = 0; dx <= 2 * pad && !match; dx++)
        for (const m of [false, true]) {
          if (reference(img, C, H, W, pad, -7, dy, dx, m).every((v, i) => v === got[i])) match = `${dy},${dx},${m}`;
        }
    assert.ok(match, `sample ${b} is no crop of its input`);
    seen.add(match);
  }
  assert.ok(seen.size > 4, 'crops vary');
  assert.deepEqual(augmentBatch(x, { cropPadding: pad, flip: true, fill: [-7] }, new TrainRng(5)).data, y.data);
  const plain = augmentBatch(x, { cropPadding: 0, flip: false }, new TrainRng(1));
  assert.deepEqual(plain.data, data);
});

test('augment: cutout zeroes one clipped square per sample after crop and flip, and leaves crop/flip draws as before', () => {
  const [B, C, H, W, side] = [64, 2, 6, 7, 4];
  const data = Float32Array.from({ length: B * C * H * W }, (_, i) => i + 1);
  const x = { type: 'float32' as const, dims: [B, C, H, W], data };
  const y = augmentBatch(x, { cropPadding: 0, flip: false, cutout: side }, new TrainRng(9));
  const areas = new Set<number>();
  for (let b = 0; b < B; b++) {
    const zero = (c: number, i: number, j: number): boolean => y.data[((b * C + c) * H + i) * W + j] === 0;
    const rows = Array.from({ length: H }, (_, i) => i).filter((i) => Array.from({ length: W }, (_, j) => zero(0, i, j)).some(Boolean));
    const cols = Array.from({ length: W }, (_, j) => j).filter((j) => rows.some((i) => zero(0, i, j)));
    // A rectangle of at most side × side, the same in every channel, contiguous; everything else untouched.
    assert.ok(rows.length >= side / 2 && rows.length <= side && cols.length >= side / 2 && cols.length <= side, `sample ${b}`);
    assert.equal(rows.at(-1)! - rows[0] + 1, rows.length);
    assert.equal(cols.at(-1)! - cols[0] + 1, cols.length);
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          const k = ((b * C + c) * H + i) * W + j;
          assert.equal(y.data[k], rows.includes(i) && cols.includes(j) ? 0 : data[k]);
        }
    areas.add(rows.length * cols.length);
  }
  assert.ok(areas.has(side * side) && areas.size > 1, 'squares are whole inside, clipped at the borders');
  // Cutout draws after each sample's crop and flip: the mask aside, the crops are the ones drawn without it.
  const opts = { cropPadding: 2, flip: true, fill: [-7] };
  const both = augmentBatch({ ...x, dims: [1, C, H, W], data: data.subarray(0, C * H * W) }, { ...opts, cutout: side }, new TrainRng(3));
  const plain = augmentBatch({ ...x, dims: [1, C, H, W], data: data.subarray(0, C * H * W) }, opts, new TrainRng(3));
  assert.ok(both.data.every((v, i) => v === 0 || v === plain.data[i]));
  assert.throws(() => augmentBatch(x, { cutout: 1.5 }, new TrainRng(1)), /cutout must be a non-negative integer/);
});
