import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NeuronLayer,
  RESNET_HYPER_PARAMS,
  VGG_HYPER_PARAMS,
  cloneNeuronState,
  createNeuronState,
  createNeuronStepOutputs,
  createRng,
  resolveNeuronLayerOptions,
  simulateNeuronLayer,
  stepNeuronLayer,
  type NeuronLayerOptions,
  type ThresholdRule,
} from '../../src/snn/reference/index.js';
import { isMsatError } from '../../src/core/index.js';

/** Uniform values in [lo, hi) from a seeded stream (test data only). */
function randomArray(seed: number, n: number, lo: number, hi: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.nextFloat();
  return out;
}

const RULES: Array<[string, ThresholdRule, number]> = [
  ['constant k=1', { kind: 'constant', k: 1 }, 1],
  ['constant k=0.5', { kind: 'constant', k: 0.5 }, 1],
  ['MSAT DTT', { kind: 'msat', mode: 'dtt', hp: VGG_HYPER_PARAMS }, 1],
  ['MSAT DET', { kind: 'msat', mode: 'det', hp: VGG_HYPER_PARAMS }, 1],
  ['MSAT DTT+DET (VGG)', { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, 1],
  ['MSAT DTT+DET (ResNet)', { kind: 'msat', mode: 'dtt+det', hp: RESNET_HYPER_PARAMS }, 1],
  ['constant k=1, burst gamma=3', { kind: 'constant', k: 1 }, 3],
  ['MSAT DTT+DET, burst gamma=3', { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, 3],
];

test('charge conservation per neuron, every step: sum s*theta = sum x - V(t) (1e-9), all threshold rules and burst', () => {
  const N = 48;
  const T = 96;
  const lambda = { kind: 'channel', values: [0.7, 1.9, 3.1], channelStride: 4 } as const;
  for (const [name, rule, gamma] of RULES) {
    const xSeq = randomArray(11, N * T, -1, 3);
    const layer = new NeuronLayer({ size: N, lambda, threshold: rule, gamma });
    const sumOut = new Float64Array(N);
    const sumX = new Float64Array(N);
    let spikes = 0;
    for (let t = 0; t < T; t++) {
      const x = xSeq.subarray(t * N, (t + 1) * N);
      const out = layer.step(x);
      for (let i = 0; i < N; i++) {
        sumOut[i] += out.output[i];
        sumX[i] += x[i];
        spikes += out.spikes[i];
        assert.ok(out.spikes[i] >= 0 && out.spikes[i] <= gamma && Number.isInteger(out.spikes[i]), `${name}: s in 0..gamma`);
        assert.ok(out.theta[i] > 0, `${name}: theta > 0`);
        const err = Math.abs(sumOut[i] - (sumX[i] - layer.state.v[i]));
        assert.ok(err <= 1e-9, `${name}: neuron ${i} step ${t}: |sum s*theta - (sum x - V)| = ${err}`);
      }
    }
    assert.ok(spikes > 0, `${name}: the test input makes neurons fire`);
    assert.equal(layer.state.t, T);
  }
});

test('hard reset: V is 0 after every step with a spike, and the charge identity no longer holds', () => {
  const N = 32;
  const T = 64;
  const xSeq = randomArray(5, N * T, -0.5, 1.5);
  for (const rule of [RULES[0][1], RULES[4][1]]) {
    const layer = new NeuronLayer({ size: N, lambda: 1, threshold: rule, reset: 'hard', gamma: 2 });
    const sumOut = new Float64Array(N);
    const sumX = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const x = xSeq.subarray(t * N, (t + 1) * N);
      const out = layer.step(x);
      for (let i = 0; i < N; i++) {
        sumOut[i] += out.output[i];
        sumX[i] += x[i];
        if (out.spikes[i] > 0) assert.equal(layer.state.v[i], 0, `neuron ${i} step ${t}`);
      }
    }
    let maxGap = 0;
    for (let i = 0; i < N; i++) maxGap = Math.max(maxGap, Math.abs(sumOut[i] - (sumX[i] - layer.state.v[i])));
    assert.ok(maxGap > 1e-3, `hard reset discards residual charge (max gap ${maxGap})`);
  }
});

test('constant theta = lambda, constant x: spike count after T steps = min(floor(T*x/lambda), T*gamma)', () => {
  // Dyadic values: float64 arithmetic is exact, so the count is exact.
  const exact = simulateNeuronLayer(
    { size: 3, lambda: 1 },
    new Float64Array(64 * 3).map((_, k) => [0.375, 0.5, 0.0625][k % 3]),
  );
  assert.deepEqual([...exact.finalState.n], [24, 32, 4]);
  // Random x and lambda: within the usual +-1 of rounding.
  const N = 40;
  const T = 200;
  const xs = randomArray(3, N, 0, 1.2);
  const lambdas = randomArray(4, N, 0.3, 1.5);
  for (const gamma of [1, 3]) {
    for (let i = 0; i < N; i++) {
      const sim = simulateNeuronLayer({ size: 1, lambda: lambdas[i], gamma }, new Float64Array(T).fill(xs[i]));
      const expected = Math.min(Math.floor((T * xs[i]) / lambdas[i]), T * gamma);
      assert.ok(Math.abs(sim.finalState.n[0] - expected) <= 1, `gamma ${gamma} neuron ${i}: ${sim.finalState.n[0]} vs ${expected}`);
    }
  }
  // Burst cap: x = 5*lambda per step gives exactly gamma spikes per step.
  const capped = simulateNeuronLayer({ size: 1, lambda: 2, gamma: 3 }, new Float64Array(10).fill(10));
  assert.deepEqual([...capped.spikeSeq], new Array(10).fill(3));
  const plain = simulateNeuronLayer({ size: 1, lambda: 2 }, new Float64Array(10).fill(10));
  assert.deepEqual([...plain.spikeSeq], new Array(10).fill(1));
});

test('MSAT DTT+DET on one neuron matches a hand trace of docs/method.md §2 (1e-12)', () => {
  const hp = VGG_HYPER_PARAMS;
  const lambda = 1.3;
  const xs = [0.3, 0.8, 0.1, 1.7, -0.4, 0.9];
  const sim = simulateNeuronLayer({ size: 1, lambda, threshold: { kind: 'msat', mode: 'dtt+det', hp } }, xs);
  // Hand trace written out independently of the library.
  let v = 0;
  let vSum = 0;
  let vLast = 0;
  for (let t = 0; t < xs.length; t++) {
    v += xs[t];
    let theta = lambda;
    if (t > 0) {
      const dV = vLast - vSum / t;
      const dtt = hp.taump * (hp.alpha * dV - lambda + hp.ka * Math.log(1 + Math.exp(dV / hp.ki)));
      const det = hp.taurd * Math.exp(-xs[t] / hp.C);
      theta = lambda / (1 + Math.exp(-(dtt + det)));
    }
    const s = Math.min(Math.max(Math.floor(v / theta), 0), 1);
    v -= s * theta;
    vLast = v;
    vSum += v;
    assert.ok(Math.abs(sim.thetaSeq[t] - theta) < 1e-12, `theta at step ${t}`);
    assert.equal(sim.spikeSeq[t], s, `spike at step ${t}`);
    assert.ok(Math.abs(sim.outputSeq[t] - s * theta) < 1e-12, `output at step ${t}`);
  }
  assert.ok(Math.abs(sim.finalState.v[0] - v) < 1e-12);
  assert.ok(Math.abs(sim.finalState.vSum[0] - vSum) < 1e-12);
  assert.ok(
    sim.spikeSeq.some((s) => s > 0),
    'trace contains spikes',
  );
});

test('spike confidence c = 0: no spikes during the 16-step window, the charge is lost, dynamics otherwise unchanged', () => {
  const N = 20;
  const T = 40;
  const xSeq = randomArray(8, N * T, 0, 1.5);
  const base: NeuronLayerOptions = { size: N, lambda: 1, threshold: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS } };
  const plain = simulateNeuronLayer(base, xSeq);
  const dropped = simulateNeuronLayer({ ...base, confidence: { c: 0, rng: createRng(1) } }, xSeq);
  for (let k = 0; k < T * N; k++) {
    const t = Math.floor(k / N);
    if (t < 16) {
      assert.equal(dropped.spikeSeq[k], 0, `no spike at step ${t}`);
      assert.equal(dropped.outputSeq[k], 0);
    } else {
      // The membrane path is the same (the reset happened before the drop), so later steps agree exactly.
      assert.equal(dropped.spikeSeq[k], plain.spikeSeq[k]);
      assert.equal(dropped.outputSeq[k], plain.outputSeq[k]);
    }
  }
  assert.deepEqual([...dropped.finalState.v], [...plain.finalState.v], 'V identical: dropped charge is not kept');
  // Charge lost: sum of outputs + V falls short of sum of inputs by the dropped spikes' charge.
  let lost = 0;
  for (let k = 0; k < 16 * N; k++) lost += plain.outputSeq[k];
  assert.ok(lost > 0);
  for (let i = 0; i < N; i++) {
    let sx = 0;
    let so = 0;
    for (let t = 0; t < T; t++) {
      sx += xSeq[t * N + i];
      so += dropped.outputSeq[t * N + i];
    }
    let li = 0;
    for (let t = 0; t < 16; t++) li += plain.outputSeq[t * N + i];
    assert.ok(Math.abs(sx - dropped.finalState.v[i] - so - li) < 1e-9, `neuron ${i}: sum x - V = outputs + lost charge`);
  }
});

test('spike confidence c = 1 is identical to no confidence; seeded runs reproduce; draws are N per step for 16 steps', () => {
  const N = 16;
  const T = 30;
  const xSeq = randomArray(9, N * T, -0.5, 2);
  const base: NeuronLayerOptions = { size: N, lambda: 0.8, threshold: { kind: 'msat', mode: 'dtt+det', hp: RESNET_HYPER_PARAMS }, gamma: 2 };
  const plain = simulateNeuronLayer(base, xSeq);
  const one = simulateNeuronLayer({ ...base, confidence: { c: 1, rng: createRng(2) } }, xSeq);
  assert.deepEqual([...one.outputSeq], [...plain.outputSeq]);
  assert.deepEqual([...one.finalState.n], [...plain.finalState.n]);

  const a = simulateNeuronLayer({ ...base, confidence: { c: 0.5, rng: createRng(77) } }, xSeq);
  const b = simulateNeuronLayer({ ...base, confidence: { c: 0.5, rng: createRng(77) } }, xSeq);
  const c = simulateNeuronLayer({ ...base, confidence: { c: 0.5, rng: createRng(78) } }, xSeq);
  assert.deepEqual([...a.outputSeq], [...b.outputSeq], 'same seed, same run');
  assert.notDeepEqual([...a.outputSeq], [...c.outputSeq], 'different seed, different drops');

  const rng = createRng(123);
  const reference = rng.clone();
  simulateNeuronLayer({ ...base, confidence: { c: 0.5, rng, window: 16 } }, xSeq);
  for (let k = 0; k < N * 16; k++) reference.nextUint32();
  assert.equal(rng.state, reference.state, 'exactly N*16 draws, independent of the spikes');
});

test('spike confidence keeps about a fraction c of spikes in the window', () => {
  const N = 4000;
  const x = new Float64Array(N).fill(1); // fires every step with theta = lambda = 1
  const layer = new NeuronLayer({ size: N, lambda: 1, confidence: { c: 0.3, rng: createRng(4) } });
  let kept = 0;
  for (let t = 0; t < 16; t++) kept += layer.step(x).spikes.reduce((s, v) => s + v, 0);
  const frac = kept / (N * 16);
  assert.ok(Math.abs(frac - 0.3) < 0.01, `kept fraction ${frac}`);
});

test('stepNeuronLayer is pure with separate states and equals the in-place layer (exact)', () => {
  const N = 24;
  const T = 20;
  const xSeq = randomArray(21, N * T, -1, 2);
  const options: NeuronLayerOptions = { size: N, lambda: 1.1, threshold: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS }, gamma: 2 };
  const resolved = resolveNeuronLayerOptions(options);
  const layer = new NeuronLayer(options);
  let state = createNeuronState(N);
  const out = createNeuronStepOutputs(N);
  for (let t = 0; t < T; t++) {
    const x = xSeq.subarray(t * N, (t + 1) * N);
    const before = cloneNeuronState(state);
    const next = createNeuronState(N);
    stepNeuronLayer(resolved, x, null, state, next, out);
    assert.deepEqual(state, before, 'stateIn untouched');
    state = next;
    const ref = layer.step(x);
    assert.deepEqual([...out.output], [...ref.output]);
  }
  assert.deepEqual(state, cloneNeuronState(layer.state));
});

test('resetState restores reset values: a second sample replays the first exactly', () => {
  const N = 10;
  const xSeq = randomArray(31, N * 12, 0, 2);
  const layer = new NeuronLayer({ size: N, lambda: 1, threshold: { kind: 'msat', mode: 'dtt+det', hp: VGG_HYPER_PARAMS } });
  const run = (): number[] => {
    const outs: number[] = [];
    for (let t = 0; t < 12; t++) outs.push(...layer.step(xSeq.subarray(t * N, (t + 1) * N)).output);
    return outs;
  };
  const first = run();
  layer.resetState();
  assert.deepEqual(layer.state, cloneNeuronState(createNeuronState(N)));
  assert.deepEqual(run(), first);
});

test('channel-wise lambda: neuron i uses values[floor(i / stride) % C] (NCL, batch 2)', () => {
  const values = [0.5, 2, 4];
  const layer = new NeuronLayer({ size: 2 * 3 * 4, lambda: { kind: 'channel', values, channelStride: 4 } });
  const out = layer.step(new Float64Array(24));
  for (let i = 0; i < 24; i++) assert.equal(out.theta[i], values[Math.floor(i / 4) % 3]);
  assert.throws(() => new NeuronLayer({ size: 10, lambda: { kind: 'channel', values, channelStride: 4 } }), isMsatError);
});

test('invalid options fail with MsatError naming the value', () => {
  assert.throws(
    () => new NeuronLayer({ size: 4, lambda: 0 }),
    (e) => isMsatError(e) && /lambda/.test(e.message),
  );
  assert.throws(
    () => new NeuronLayer({ size: 4, lambda: 1, gamma: 1.5 }),
    (e) => isMsatError(e) && /gamma/.test(e.message),
  );
  assert.throws(() => new NeuronLayer({ size: 4, lambda: 1, confidence: { c: 2, rng: createRng(1) } }), isMsatError);
  assert.throws(
    () => new NeuronLayer({ size: 4, lambda: 1, threshold: { kind: 'msat', mode: 'dtx' as 'dtt', hp: VGG_HYPER_PARAMS } }),
    (e) => isMsatError(e) && /dtt\+det/.test(e.message),
  );
  const layer = new NeuronLayer({ size: 4, lambda: 1 });
  assert.throws(
    () => layer.step(new Float64Array(3)),
    (e) => isMsatError(e) && e.code === 'SNN_SHAPE_MISMATCH',
  );
  const resolved = resolveNeuronLayerOptions({ size: 2, lambda: 1, confidence: { c: 0.5, rng: createRng(1) } });
  const s = createNeuronState(2);
  assert.throws(
    () => stepNeuronLayer(resolved, [1, 1], null, s, s, createNeuronStepOutputs(2)),
    (e) => isMsatError(e) && e.code === 'SNN_MISSING_INPUT',
  );
});
