/**
 * Simulation tallies (`simulation-tallies.ts`), what `simulate` with several workers merges: Pearson sums of
 * two halves merged against the sums of all pairs and against a two-pass Pearson (1e-12), and merged counts
 * against the counts of both sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Layer } from '../../src/model/index.js';
import { addPearsonPairs, emptyPearsonSums, emptyTallies, mergeTallies, pearsonOf, tallyResult } from '../../src/snn/simulation-tallies.js';
import { resolveSimulationOptions } from '../../src/snn/simulation-options.js';

const RELU: Layer = { kind: 'relu', name: 'r', inputs: ['c'], output: 'o', outShape: ['N', 2, 2] };

test('Pearson sums: two halves merged equal all pairs at once and a two-pass Pearson, to 1e-12', () => {
  const counts = Float32Array.from({ length: 50 }, (_, i) => (i * 7) % 11);
  const pre = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) * 3 + ((i * 7) % 11) / 4);
  const all = emptyPearsonSums();
  addPearsonPairs(all, counts, pre, 0.25, 0, 50);
  const [a, b] = [emptyTallies([RELU], 1), emptyTallies([RELU], 1)];
  addPearsonPairs(a.layers[0].correlation, counts, pre, 0.25, 0, 20);
  addPearsonPairs(b.layers[0].correlation, counts, pre, 0.25, 20, 50);
  const merged = mergeTallies(a, b).layers[0].correlation;
  const x = Array.from(counts, (c) => c * 0.25);
  const y = Array.from(pre, (p) => Math.max(p, 0));
  const mean = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  const cov = x.reduce((s, e, i) => s + (e - mx) * (y[i] - my), 0);
  const twoPass = cov / Math.sqrt(x.reduce((s, e) => s + (e - mx) ** 2, 0) * y.reduce((s, e) => s + (e - my) ** 2, 0));
  assert.ok(Math.abs(pearsonOf(merged) - pearsonOf(all)) < 1e-12);
  assert.ok(Math.abs(pearsonOf(all) - twoPass) < 1e-12, `${pearsonOf(all)} vs ${twoPass}`);
  assert.ok(Number.isNaN(pearsonOf(emptyPearsonSums())), 'no pairs: NaN');
});

test('mergeTallies adds every count, keeps the traces of the side that has them; emptyTallies is its identity', () => {
  const relu = RELU;
  const net = { inputs: [], outputs: ['o'], layers: [relu], metadata: {}, source: 'test' };
  const one = emptyTallies([relu], 2);
  one.samples = 3;
  one.annCorrect = 2;
  one.correct.set([1, 2]);
  one.layers[0].spikes.set([4, 6]);
  one.layers[0].sin = { sin: 1, pos: 5, neurons: 12 };
  const two = emptyTallies([relu], 2);
  two.samples = 1;
  two.annCorrect = 1;
  two.correct.set([0, 1]);
  two.layers[0].spikes.set([2, 2]);
  two.layers[0].sin = { sin: 0, pos: 2, neurons: 4 };
  two.traces.push({ layer: 'r', neuron: 1, annActivation: 0.5, membrane: [0.5, 1], threshold: [1, 1], spikes: [0, 1] });
  const merged = mergeTallies(one, two);
  assert.deepEqual(mergeTallies(emptyTallies([relu], 2), merged), merged);
  const r = tallyResult(net, merged, resolveSimulationOptions({ steps: 2, sinStep: 2 }), 0);
  assert.equal(r.samples, 4);
  assert.equal(r.annAccuracy, 0.75);
  assert.deepEqual([...r.accuracyPerStep], [0.25, 0.75]);
  assert.deepEqual([...r.layers[0].ratePerStep], [6 / 16, 8 / 16]);
  assert.deepEqual(r.layers[0].sin, { sin: 1, pos: 7, neurons: 16 });
  assert.equal(r.traces, two.traces);
});
