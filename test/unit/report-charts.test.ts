/**
 * The report's pure helpers: energies with an SI prefix per value, one colour per converter in every chart
 * (experiment runs and the tuning chart's curves alike), series the SOP chart draws on top of each other, the
 * raster's rows and ticks, and the early-exit charts: a converter's fixed-T line, Pareto front and oracle in its
 * colour, a run with an exit rule as one marked point, its exit steps as bars, and degenerate data drawn without
 * a crash or a non-finite coordinate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONVERTER_COLORS,
  SPARE_COLORS,
  coincidingSeries,
  exitHistogramChartSpec,
  exitTradeoffChartSpec,
  exitTradeoffDomain,
  formatEnergy,
  rasterChartSpec,
  renderSvg,
  seriesColors,
  sopChartSpec,
  type ExitTradeoffSeries,
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

/** The layers of an exit chart spec, nested layers flattened, with their data rows. */
type Row = Record<string, unknown>;
interface Layer {
  data?: { values?: Row[] };
  layer?: Layer[];
  transform?: { filter: string }[];
  mark: { type: string };
  encoding?: Record<string, { scale?: { domain?: unknown[]; range?: unknown[] } }>;
}
function layersOf(spec: unknown): (Layer & { rows: Row[] })[] {
  const out: (Layer & { rows: Row[] })[] = [];
  const walk = (layers: Layer[], rows: Row[]) => {
    for (const l of layers) {
      const own = l.data?.values ?? rows;
      if (l.layer) walk(l.layer, own);
      else out.push({ ...l, rows: own });
    }
  };
  walk((spec as { layer: Layer[] }).layer, []);
  return out;
}
/** Renders a spec and checks it has no non-finite coordinate and no warning. */
async function drawn(spec: Parameters<typeof renderSvg>[0]): Promise<string> {
  const svg = await renderSvg(spec, { onWarning: (m) => assert.fail(`chart warning: ${m}`) });
  assert.doesNotMatch(svg, /NaN|Infinity/);
  return svg;
}

const curve = (final: number, T: number) => Array.from({ length: T }, (_, i) => Math.min(final, 0.1 + (final * (i + 1)) / 6));

test('accuracy against mean steps: each converter’s line, front and oracle in its colour, an exit run as one marked point', async () => {
  const series: ExitTradeoffSeries[] = [
    {
      label: 'θ = λ',
      id: 'const-1',
      accuracyPerStep: curve(0.97, 16),
      front: [
        { rule: 'confidence:0.9', accuracy: 0.96, meanSteps: 5.2 },
        { rule: 'stable:1', accuracy: 0.1, meanSteps: 1 },
        { rule: 'margin:2', accuracy: 0.97, meanSteps: 7.5 },
      ],
      oracle: { accuracy: 0.97, meanSteps: 3.1 },
    },
    { label: 'tuned MSAT + exit', id: 'tuned-exit', exit: { rule: 'confidence:0.99,min:2,max:16', accuracy: 0.965, meanSteps: 6.4 } },
  ];
  const spec = exitTradeoffChartSpec(series, 0.975);
  const layers = layersOf(spec);
  const [lo, hi] = exitTradeoffDomain(series, 0.975);
  assert.deepEqual([lo, hi], [87, 99], 'ANN − 10 % up to just above the best');
  const color = layers.find((l) => l.encoding?.color)!.encoding!.color.scale!;
  assert.deepEqual(color.domain, ['θ = λ', 'tuned MSAT + exit']);
  assert.deepEqual(color.range, [CONVERTER_COLORS['const-1'], CONVERTER_COLORS['tuned-exit']]);
  const lines = layers.filter((l) => l.mark.type === 'line');
  assert.equal(lines.length, 2, 'fixed-T lines and fronts');
  const [fixed, fronts] = lines.map((l) => l.rows);
  assert.ok(
    fixed.every((r) => r.series === 'θ = λ'),
    'a run with an exit rule draws no fixed-T line',
  );
  assert.ok(
    fixed.every((r) => (r.accuracy as number) >= lo && (r.accuracy as number) <= hi),
    'fixed-T line cut to the y range',
  );
  assert.deepEqual(
    fronts.map((r) => r.steps),
    [...fronts.map((r) => r.steps as number)].sort((a, b) => a - b),
    'the front is drawn in order of mean steps',
  );
  const points = layers.find((l) => l.mark.type === 'point')!.rows;
  const kinds = (kind: string) => points.filter((p) => p.kind === kind);
  assert.deepEqual(
    kinds('exit rules: Pareto front').map((p) => p.rule),
    ['confidence:0.9', 'margin:2'],
    'front points below the y range (stable:1 at 10 %) are left out',
  );
  assert.deepEqual(kinds('oracle'), [{ series: 'θ = λ', kind: 'oracle', steps: 3.1, accuracy: 97, rule: '' }]);
  assert.deepEqual(kinds('run with an exit rule'), [
    { series: 'tuned MSAT + exit', kind: 'run with an exit rule', steps: 6.4, accuracy: 96.5, rule: 'confidence:0.99,min:2,max:16' },
  ]);
  const shape = layers.find((l) => l.encoding?.shape)!.encoding!.shape.scale!;
  assert.deepEqual(shape.domain, ['exit rules: Pareto front', 'oracle', 'run with an exit rule']);
  const svg = await drawn(spec);
  for (const text of ['mean time steps per sample', '>θ = λ<', '>oracle<', '>confidence:0.99,min:2,max:16<', CONVERTER_COLORS['tuned-exit']])
    assert.ok(svg.includes(text), text);
});

test('accuracy against mean steps: a one-point front, an empty front, an exit point far below the ANN and a one-step run are drawn', async () => {
  const cases: [string, ExitTradeoffSeries[], number][] = [
    [
      'one-point front',
      [{ label: 'a', accuracyPerStep: curve(0.9, 8), front: [{ accuracy: 0.9, meanSteps: 3 }], oracle: { accuracy: 0.9, meanSteps: 2 } }],
      8,
    ],
    ['empty front', [{ label: 'a', accuracyPerStep: curve(0.9, 8), front: [], oracle: { accuracy: 0.9, meanSteps: 1 } }], 8],
    ['only an exit point', [{ label: 'a', exit: { rule: 'max:4', accuracy: 1, meanSteps: 4 } }], 4],
    [
      'exit far below',
      [
        { label: 'a', accuracyPerStep: curve(0.99, 8) },
        { label: 'b', exit: { rule: 'stable:1', accuracy: 0.05, meanSteps: 1 } },
      ],
      8,
    ],
    ['one step', [{ label: 'a', accuracyPerStep: [0.5], front: [{ accuracy: 0.5, meanSteps: 1 }], oracle: { accuracy: 0.5, meanSteps: 1 } }], 1],
    ['mean steps 0 and past T', [{ label: 'a', front: [{ accuracy: 0.9, meanSteps: 0 }], oracle: { accuracy: 0.9, meanSteps: 40 } }], 16],
    ['no marker at all', [{ label: 'a', accuracyPerStep: curve(0.9, 8) }], 8],
  ];
  for (const [name, series, T] of cases) {
    const spec = exitTradeoffChartSpec(series, 0.99, { T });
    const points = layersOf(spec).find((l) => l.mark.type === 'point')?.rows ?? [];
    const expected = series.reduce((n, s) => n + (s.front?.length ?? 0) + (s.oracle ? 1 : 0) + (s.exit ? 1 : 0), 0);
    assert.equal(points.length, expected, `${name}: every marker inside the y range`);
    await drawn(spec);
  }
});

test('exit steps: a bar per step with exits, side by side for two runs, a rule at each mean; one step for all samples draws one bar', async () => {
  const two = exitHistogramChartSpec([
    { label: 'a', histogram: [0, 0, 5, 3, 0, 2], meanSteps: 3.1 },
    { label: 'b', histogram: [0, 1, 0, 0, 0, 9], meanSteps: 4.6 },
  ]);
  const [bars, rules] = layersOf(two);
  assert.deepEqual(
    bars.rows.map((b) => [b.series, b.step, b.from, b.to, b.count]),
    [
      ['a', 2, 1.5, 2, 5],
      ['a', 3, 2.5, 3, 3],
      ['a', 5, 4.5, 5, 2],
      ['b', 1, 1, 1.5, 1],
      ['b', 5, 5, 5.5, 9],
    ],
  );
  assert.deepEqual(
    rules.rows.map((r) => r.mean),
    [3.1, 4.6],
  );
  const svg = await drawn(two);
  assert.ok(svg.includes('a: mean 3.1') && svg.includes('b: mean 4.6'));
  const one = exitHistogramChartSpec([{ label: 'all at 4', histogram: [0, 0, 0, 0, 12], meanSteps: 4 }], { colors: ['#123456'] });
  assert.equal(layersOf(one)[0].rows.length, 1);
  assert.deepEqual(layersOf(one)[0].encoding!.color.scale!.range, ['#123456'], 'the run’s colour from the whole report');
  assert.ok((await drawn(one)).includes('mean 4.0'));
  await drawn(exitHistogramChartSpec([{ label: 'one step', histogram: [0, 3], meanSteps: 1 }]));
});
