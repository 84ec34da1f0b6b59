/**
 * The report's pure helpers: energies with an SI prefix per value, one colour per converter in every chart
 * (experiment runs and the tuning chart's curves alike), series the SOP chart draws on top of each other, and
 * the raster's rows and ticks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONVERTER_COLORS,
  SPARE_COLORS,
  coincidingSeries,
  formatEnergy,
  rasterChartSpec,
  seriesColors,
  sopChartSpec,
} from '../../src/report/index.js';

test('energies take the SI prefix that suits each value, three significant digits', () => {
  assert.equal(formatEnergy(1.74e-3), '1.74 mJ');
  assert.equal(formatEnergy(7.215e-5), '72.2 µJ');
  assert.equal(formatEnergy(9.9996e-4), '1.00 mJ', 'rounding never gives 1.00e+3 µJ');
  assert.equal(formatEnergy(3.5e-10), '350 pJ');
  assert.equal(formatEnergy(1.2e-9), '1.20 nJ');
  assert.equal(formatEnergy(2.1), '2.10 J');
  assert.equal(formatEnergy(0), '0 J');
  for (const j of [1e-13, 4.2e-8, 0.5, 123]) assert.doesNotMatch(formatEnergy(j), /e[+-]/, String(j));
});

test('one colour per converter, whatever the order and the other series', () => {
  const report = seriesColors([
    { label: 'MSAT DTT+DET', id: 'msat', method: 'msat', k: 1 },
    { label: 'θ = λ', id: 'const-1', method: 'const', k: 1 },
    { label: 'DTT+DET + SC', id: 'msat-sc', method: 'msat', k: 1 },
  ]);
  assert.deepEqual(report, [CONVERTER_COLORS.msat, CONVERTER_COLORS['const-1'], CONVERTER_COLORS['msat-sc']]);
  // The tuning chart's curves carry their neuron config, not an id: θ = λ is blue there too, tuned purple.
  const tune = seriesColors([
    { label: 'tuned', config: { method: 'msat' } },
    { label: 'authors’ defaults', config: { method: 'msat' } },
    { label: 'θ = λ', config: { method: 'const', k: 1 } },
  ]);
  assert.deepEqual(tune, [CONVERTER_COLORS.tuned, CONVERTER_COLORS.msat, CONVERTER_COLORS['const-1']]);
  // Two series of one converter (const tuning: the defaults are θ = λ) still get two colours.
  const same = seriesColors([
    { label: 'tuned', config: { method: 'const', k: 0.8 } },
    { label: 'θ = λ (default)', config: { method: 'const', k: 1 } },
    { label: 'θ = λ', config: { method: 'const', k: 1 } },
  ]);
  assert.deepEqual(same, [CONVERTER_COLORS.tuned, SPARE_COLORS[0], CONVERTER_COLORS['const-1']]);
  assert.equal(new Set(seriesColors(Array.from({ length: 12 }, (_, i) => ({ label: `s${i}` })))).size, 12, 'unknown series: distinct spare colours');
});

test('the SOP chart gives each series its own dash and marker, and names series that coincide', () => {
  const series = [
    { label: 'a', sopPerStep: [1, 2, 3] },
    { label: 'b', sopPerStep: [1, 2, 3 + 1e-12] },
    { label: 'c', sopPerStep: [0, 2, 3] },
    { label: 'd', sopPerStep: [0, 2, 3] },
    { label: 'e', sopPerStep: [5, 5, 5] },
  ];
  assert.deepEqual(coincidingSeries(series), [
    ['a', 'b'],
    ['c', 'd'],
  ]);
  type Layer = { encoding: Record<string, { scale?: { range?: unknown[] } }> };
  const [line, points] = (sopChartSpec(series) as unknown as { layer: Layer[] }).layer;
  const dashes = line.encoding.strokeDash.scale!.range!.map((d) => JSON.stringify(d));
  const shapes = points.encoding.shape.scale!.range!;
  assert.equal(new Set(dashes).size, series.length);
  assert.equal(new Set(shapes).size, series.length);
});

test('the raster: rows grouped by layer, a tick only at steps with spikes', () => {
  const trace = (layer: string, neuron: number, spikes: number[]) => ({ layer, neuron, spikes });
  const spec = rasterChartSpec([
    { label: 'θ = λ', id: 'const-1', traces: [trace('/l1', 3, [0, 1, 0, 1]), trace('/l2', 7, [0, 0, 0, 1]), trace('/l1', 5, [0, 0, 0, 0])] },
    { label: 'MSAT DTT+DET', id: 'msat', traces: [trace('/l1', 3, [1, 1, 1, 1]), trace('/l2', 7, [2, 0, 0, 0]), trace('/l1', 5, [0, 0, 0, 0])] },
  ]) as unknown as {
    datasets: { spikes: { converter: string; row: string; step: number; spikes: number }[] };
    spec: { layer: { encoding: { y: { sort: string[] }; color?: { scale: { range: string[] } }; opacity?: unknown } }[] };
  };
  const [, ticks] = spec.spec.layer;
  assert.deepEqual(ticks.encoding.y.sort, ['l1 #3', 'l1 #5', 'l2 #7']);
  assert.equal(spec.datasets.spikes.length, 2 + 1 + 4 + 1, 'one tick per step with spikes, none for silent steps');
  assert.deepEqual(ticks.encoding.color!.scale.range, [CONVERTER_COLORS['const-1'], CONVERTER_COLORS.msat]);
  assert.ok(ticks.encoding.opacity, 'a burst (2 spikes in a step) is drawn darker');
});
