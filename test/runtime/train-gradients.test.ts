// Every autodiff primitive's gradient rule against central finite differences of its own forward graph, both
// run by onnxruntime on small random inputs. Objective f = Σ y·r for a fixed random r (so dy = r is an arbitrary
// upstream gradient); for each differentiable input θ and a random direction v, the emitted gradient's ⟨∇θ f, v⟩
// must equal (f(θ + h·v) − f(θ − h·v)) / 2h. float32 graphs (onnxruntime's Conv has no float64 kernel), so
// h = 1e-2 and a relative tolerance of 2e-3 (observed errors ≤ 1e-4; dropping one term of the batch-norm rule
// gives 3e-2); inputs keep ReLU/max-pool kinks and ties out of the ±h range.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/core/tensor.js';
import { encodeOnnxModel } from '../../src/onnx/index.js';
import { Runner } from '../../src/runtime/index.js';
import {
  Tape,
  TRAIN_OPSET,
  add,
  avgPool,
  batchNormInfer,
  batchNormTrain,
  concat,
  conv,
  dropout,
  embedding,
  globalAvgPool,
  linear,
  maxPool,
  relu,
  reshape,
  softmaxCrossEntropy,
  transpose,
  TrainRng,
  type Var,
} from '../../src/train/index.js';

const H = 1e-2;
const REL_TOL = 2e-3;
const runner = new Runner({ threads: 1 });
after(() => runner.dispose());

type Feeds = Record<string, Tensor>;
type Build = (t: Tape, vars: Record<string, Var>) => Var;

interface InputSpec {
  readonly dims: number[];
  /** Values; default standard normal. */
  readonly data?: Float32Array;
  readonly type?: 'float32' | 'int64';
  readonly int64?: BigInt64Array;
  readonly differentiable?: boolean;
}

function normal(n: number, rng: TrainRng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.nextNormal());
}

/** Values with |v| ≥ 0.2, so that x ± h never crosses a ReLU kink. */
function awayFromZero(n: number, rng: TrainRng): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const v = rng.nextNormal();
    return Math.sign(v || 1) * (0.2 + Math.abs(v));
  });
}

/** A permutation of a grid spaced 0.1 apart, so no two values are within 2h: max-pool ties cannot flip. */
function distinct(n: number, rng: TrainRng): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

async function checkGradients(label: string, inputs: Record<string, InputSpec>, build: Build, seed = 1): Promise<void> {
  const rng = new TrainRng(seed);
  const feeds: Feeds = {};
  for (const [name, s] of Object.entries(inputs)) {
    const n = s.dims.reduce((a, b) => a * b, 1);
    feeds[name] =
      s.type === 'int64' ? { type: 'int64', dims: s.dims, data: s.int64! } : { type: 'float32', dims: s.dims, data: s.data ?? normal(n, rng) };
  }
  const declare = (t: Tape): Record<string, Var> => {
    const vars: Record<string, Var> = {};
    for (const [name, s] of Object.entries(inputs)) {
      vars[name] = t.input(
        name,
        s.type ?? 'float32',
        s.dims.map((d, i) => (i === 0 && s.dims.length > 1 && name === 'x' ? 'N' : d)),
        s.differentiable ?? true,
      );
    }
    return vars;
  };
  // Forward graph: y only.
  const ft = new Tape();
  const fy = build(ft, declare(ft));
  ft.g.output(fy.name, 'float32');
  const forward = await runner.session(`${label}:forward`, () => encodeOnnxModel(ft.g.build(TRAIN_OPSET)));
  // Gradient graph: y, then dy = r as an input, gradients of every differentiable input.
  const gt = new Tape();
  const vars = declare(gt);
  const gy = build(gt, vars);
  const yDims = (await forward.run(feeds))[fy.name].dims;
  const r = normal(
    yDims.reduce((a, b) => a * b, 1),
    rng,
  );
  gt.g.input('dy', 'float32', yDims);
  const wrt = Object.entries(inputs)
    .filter(([, s]) => s.differentiable ?? true)
    .map(([name]) => vars[name]);
  const grads = gt.backward([[gy, 'dy']], wrt);
  const outNames: string[] = [];
  for (const v of wrt) {
    const g = grads.get(v);
    assert.ok(g, `${label}: no gradient for ${v.name}`);
    const out = `grad:${v.name}`;
    gt.g.node('Identity', [g], {}, { outputs: [out] });
    gt.g.output(out, 'float32');
    outNames.push(out);
  }
  const backward = await runner.session(`${label}:backward`, () => encodeOnnxModel(gt.g.build(TRAIN_OPSET)));
  const analytic = await backward.run({ ...feeds, dy: { type: 'float32', dims: yDims, data: r } });

  const f = async (fd: Feeds): Promise<number> => {
    const y = (await forward.run(fd))[fy.name].data as Float32Array;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };
  for (const v of wrt) {
    const base = feeds[v.name].data as Float32Array;
    const g = analytic[`grad:${v.name}`].data as Float32Array;
    assert.equal(g.length, base.length, `${label}: gradient of ${v.name} has ${g.length} values for ${base.length}`);
    const dir = normal(base.length, rng);
    const shifted = (sign: number): Feeds => ({
      ...feeds,
      [v.name]: { type: 'float32', dims: feeds[v.name].dims, data: base.map((b, i) => b + sign * H * dir[i]) },
    });
    const numeric = ((await f(shifted(1))) - (await f(shifted(-1)))) / (2 * H);
    let exact = 0;
    for (let i = 0; i < g.length; i++) exact += g[i] * dir[i];
    const err = Math.abs(numeric - exact) / Math.max(1, Math.abs(numeric));
    assert.ok(
      err <= REL_TOL,
      `${label} ∂/∂${v.name}: emitted ${exact.toFixed(5)}, finite differences ${numeric.toFixed(5)} (rel err ${err.toExponential(2)})`,
    );
  }
}

const rng = new TrainRng(99);

test('conv 2-D (stride 2, asymmetric pads, bias): dx, dw, db', async () => {
  await checkGradients('conv2d', { x: { dims: [2, 3, 7, 6] }, w: { dims: [4, 3, 3, 3] }, b: { dims: [4] } }, (t, v) =>
    conv(t, v.x, v.w, v.b, { strides: [2, 2], pads: [1, 0, 0, 1], dilations: [1, 1], group: 1 }),
  );
});

test('conv 2-D (stride 1, pad 1, dilation 2, no bias) and a 1x1 stride-2 projection', async () => {
  await checkGradients('conv2d-dil', { x: { dims: [2, 2, 8, 8] }, w: { dims: [3, 2, 3, 3] } }, (t, v) =>
    conv(t, v.x, v.w, undefined, { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [2, 2], group: 1 }),
  );
  await checkGradients('conv2d-1x1', { x: { dims: [2, 3, 5, 5] }, w: { dims: [4, 3, 1, 1] } }, (t, v) =>
    conv(t, v.x, v.w, undefined, { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }),
  );
});

test('conv on a small feature map (positions < output channels: dw as one GEMM over N·P)', async () => {
  await checkGradients('conv-small-map', { x: { dims: [3, 3, 2, 2] }, w: { dims: [6, 3, 3, 3] }, b: { dims: [6] } }, (t, v) =>
    conv(t, v.x, v.w, v.b, { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }),
  );
  await checkGradients('conv-small-map-group', { x: { dims: [2, 4, 2, 2] }, w: { dims: [8, 2, 3, 3] } }, (t, v) =>
    conv(t, v.x, v.w, undefined, { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 2 }),
  );
});

test('conv 1-D (stride 2, pad 2)', async () => {
  await checkGradients('conv1d', { x: { dims: [2, 3, 11] }, w: { dims: [4, 3, 5] }, b: { dims: [4] } }, (t, v) =>
    conv(t, v.x, v.w, v.b, { strides: [2], pads: [2, 2], dilations: [1], group: 1 }),
  );
});

test('conv with group = 2 (dx by the flipped-kernel Conv, dw per group), and stride 1 with pad > k − 1 (ConvTranspose fallback)', async () => {
  await checkGradients('conv-group', { x: { dims: [2, 4, 6, 6] }, w: { dims: [6, 2, 3, 3] } }, (t, v) =>
    conv(t, v.x, v.w, undefined, { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 2 }),
  );
  await checkGradients('conv-group-s2', { x: { dims: [2, 4, 7, 7] }, w: { dims: [4, 2, 3, 3] } }, (t, v) =>
    conv(t, v.x, v.w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 2 }),
  );
  await checkGradients('conv-bigpad', { x: { dims: [2, 3, 5, 5] }, w: { dims: [2, 3, 1, 1] }, b: { dims: [2] } }, (t, v) =>
    conv(t, v.x, v.w, v.b, { strides: [1, 1], pads: [1, 0, 1, 2], dilations: [1, 1], group: 1 }),
  );
});

test('conv 1-D, stride 1 (text CNN shape)', async () => {
  await checkGradients('conv1d-s1', { x: { dims: [2, 4, 12] }, w: { dims: [5, 4, 3] }, b: { dims: [5] } }, (t, v) =>
    conv(t, v.x, v.w, v.b, { strides: [1], pads: [0, 0], dilations: [1], group: 1 }),
  );
});

test('linear on [N, in] and on [N, T, in]', async () => {
  await checkGradients('linear2d', { x: { dims: [3, 5] }, w: { dims: [4, 5] }, b: { dims: [4] } }, (t, v) => linear(t, v.x, v.w, v.b));
  await checkGradients('linear3d', { x: { dims: [2, 3, 5] }, w: { dims: [4, 5] }, b: { dims: [4] } }, (t, v) => linear(t, v.x, v.w, v.b));
});

test('batch norm, training mode (batch statistics): dx, dγ, dβ', async () => {
  const running = { dims: [3], data: Float32Array.of(0, 0, 0), differentiable: false };
  await checkGradients(
    'bn-train',
    { x: { dims: [4, 3, 3, 3] }, gamma: { dims: [3] }, beta: { dims: [3] }, rm: running, rv: { ...running, data: Float32Array.of(1, 1, 1) } },
    (t, v) => batchNormTrain(t, v.x, v.gamma, v.beta, 'rm', 'rv', { epsilon: 1e-5, momentum: 0.1 }).y,
  );
  await checkGradients(
    'bn-train-1d',
    { x: { dims: [5, 3] }, gamma: { dims: [3] }, beta: { dims: [3] }, rm: running, rv: { ...running, data: Float32Array.of(1, 1, 1) } },
    (t, v) => batchNormTrain(t, v.x, v.gamma, v.beta, 'rm', 'rv', { epsilon: 1e-5, momentum: 0.1 }).y,
  );
});

test('batch norm, inference mode (running statistics)', async () => {
  await checkGradients(
    'bn-infer',
    {
      x: { dims: [2, 3, 4, 4] },
      gamma: { dims: [3] },
      beta: { dims: [3] },
      rm: { dims: [3], data: Float32Array.of(0.3, -0.2, 0.1), differentiable: false },
      rv: { dims: [3], data: Float32Array.of(0.5, 1.5, 2), differentiable: false },
    },
    (t, v) => batchNormInfer(t, v.x, v.gamma, v.beta, 'rm', 'rv', { epsilon: 1e-5 }).y,
  );
});

test('relu (inputs kept 0.2 away from the kink)', async () => {
  await checkGradients('relu', { x: { dims: [2, 3, 4, 4], data: awayFromZero(96, rng) } }, (t, v) => relu(t, v.x));
});

test('max pool 2x2/2, 3x3/2 with padding (overlapping windows), 1-D, ceil mode', async () => {
  await checkGradients('maxpool2', { x: { dims: [2, 3, 6, 6], data: distinct(216, rng) } }, (t, v) =>
    maxPool(t, v.x, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false }),
  );
  await checkGradients('maxpool3', { x: { dims: [2, 2, 7, 7], data: distinct(196, rng) } }, (t, v) =>
    maxPool(t, v.x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: false }),
  );
  await checkGradients('maxpool1d', { x: { dims: [2, 3, 9], data: distinct(54, rng) } }, (t, v) =>
    maxPool(t, v.x, { kernel: [9], strides: [9], pads: [0, 0], dilations: [1], ceilMode: false }),
  );
  await checkGradients('maxpool-ceil', { x: { dims: [1, 2, 5, 5], data: distinct(50, rng) } }, (t, v) =>
    maxPool(t, v.x, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: true }),
  );
});

test("max pool on exact ties sends each window's gradient to one input only (not every tied maximum)", async () => {
  const t = new Tape();
  const x = t.input('x', 'float32', ['N', 1, 2, 2], true);
  const y = maxPool(t, x, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false });
  t.g.input('dy', 'float32', [1, 1, 1, 1]);
  t.g.node('Identity', [t.backward([[y, 'dy']], [x]).get(x)!], {}, { outputs: ['dx'] });
  t.g.output('dx', 'float32');
  const s = await runner.session('maxpool-ties', () => encodeOnnxModel(t.g.build(TRAIN_OPSET)));
  const out = await s.run({
    x: { type: 'float32', dims: [1, 1, 2, 2], data: new Float32Array(4) },
    dy: { type: 'float32', dims: [1, 1, 1, 1], data: Float32Array.of(1) },
  });
  assert.deepEqual([...(out.dx.data as Float32Array)], [1, 0, 0, 0]);
});

test('average pool 2x2/2, 3x3/2 pad 1 (with and without counting pads), global average pool', async () => {
  await checkGradients('avgpool2', { x: { dims: [2, 3, 6, 6] } }, (t, v) =>
    avgPool(t, v.x, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], countIncludePad: true, ceilMode: false }),
  );
  await checkGradients('avgpool3-pad', { x: { dims: [2, 2, 7, 7] } }, (t, v) =>
    avgPool(t, v.x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true, ceilMode: false }),
  );
  await checkGradients('avgpool3-nopad', { x: { dims: [2, 2, 7, 7] } }, (t, v) =>
    avgPool(t, v.x, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: false, ceilMode: false }),
  );
  await checkGradients('avgpool-ceil', { x: { dims: [1, 2, 5, 5] } }, (t, v) =>
    avgPool(t, v.x, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], countIncludePad: false, ceilMode: true }),
  );
  await checkGradients('gap', { x: { dims: [2, 3, 4, 5] } }, (t, v) => globalAvgPool(t, v.x));
});

test('add: residual (same shape) and broadcast bias; a tensor with two consumers sums both gradients', async () => {
  await checkGradients('add', { x: { dims: [2, 3, 4] }, c: { dims: [3, 1] } }, (t, v) => add(t, v.x, v.c));
  // y = relu(x) + x·w... here: y = add(x, x) has dx = 2·dy only if contributions are summed.
  await checkGradients('add-self', { x: { dims: [2, 3] }, w: { dims: [3, 3] } }, (t, v) => add(t, linear(t, v.x, v.w, undefined), v.x));
});

test('reshape / flatten, transpose, concat', async () => {
  await checkGradients('reshape', { x: { dims: [2, 3, 2, 2] }, w: { dims: [5, 12] } }, (t, v) => linear(t, reshape(t, v.x, [12]), v.w, undefined));
  await checkGradients('transpose', { x: { dims: [2, 3, 4] } }, (t, v) => transpose(t, v.x, [0, 2, 1]));
  await checkGradients('concat', { x: { dims: [2, 3, 4] }, z: { dims: [2, 2, 4] } }, (t, v) => concat(t, [v.x, v.z], 1));
});

test('dropout: the gradient is masked like the forward pass', async () => {
  const mask = Float32Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 0 : 1.5));
  await checkGradients('dropout', { x: { dims: [2, 12] }, mask: { dims: [2, 12], data: mask, differentiable: false } }, (t, v) =>
    dropout(t, v.x, v.mask),
  );
});

test('embedding: repeated ids accumulate their rows', async () => {
  const ids = BigInt64Array.from([1, 4, 1, 0, 4, 4].map(BigInt));
  await checkGradients('embedding', { x: { dims: [2, 3], type: 'int64', int64: ids, differentiable: false }, w: { dims: [6, 4] } }, (t, v) =>
    embedding(t, v.x, v.w),
  );
});

test('softmax cross-entropy, plain and with label smoothing 0.1', async () => {
  const labels = BigInt64Array.from([2, 0, 4].map(BigInt));
  for (const smoothing of [0, 0.1]) {
    await checkGradients(
      `ce-${smoothing}`,
      { z: { dims: [3, 5] }, y: { dims: [3], type: 'int64', int64: labels, differentiable: false } },
      (t, v) => softmaxCrossEntropy(t, v.z, v.y, smoothing).loss,
    );
  }
});
