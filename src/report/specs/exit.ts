/**
 * Early exit in pictures. Accuracy against mean time steps per sample: each converter's fixed-T curve (every
 * sample runs t steps, so its mean is t), the Pareto front of the exit rules replayed on that run (accuracy
 * against the mean exit step), the oracle bound, and a run with an exit rule as one marked point, all in the
 * converter's colour; where a converter's front lies above its curve, exiting early beats stopping every sample
 * at the same mean step. And the histogram of exit steps of runs with an exit rule.
 */
import type { TopLevelSpec } from 'vega-lite';
import { referenceRule } from './accuracy.js';
import { clipPolyline } from './clip.js';
import { seriesColorScale, type SeriesIdentity } from './colors.js';
import { REFERENCE_COLOR, assertUniqueLabels, chartFrame, seriesLegend, stepAxis, stepScale } from './theme.js';

/** Accuracy (a fraction in [0, 1]) and mean steps per sample of one way to stop. */
export interface ExitChartPoint {
  readonly accuracy: number;
  readonly meanSteps: number;
}

/** One converter of the accuracy-against-mean-steps chart; each part is optional. */
export interface ExitTradeoffSeries extends SeriesIdentity {
  /** Accuracy after steps 1..T of a run without exit (its fixed-T curve). */
  readonly accuracyPerStep?: readonly number[];
  /** The Pareto front of the exit rules replayed on that run (`ExitSweepReport.front`). */
  readonly front?: readonly (ExitChartPoint & { readonly rule?: string })[];
  /** The oracle: each sample stops once its answer stays right. */
  readonly oracle?: ExitChartPoint;
  /** A run with an exit rule: its accuracy with exit and mean exit step (`ExitReport`). */
  readonly exit?: ExitChartPoint & { readonly rule: string };
}

/** Options of `exitTradeoffChartSpec`. */
export interface ExitTradeoffChartOptions {
  readonly title?: string;
  /** The x axis spans 1..T. Default: the longest fixed-T curve, or the largest mean step drawn. */
  readonly T?: number;
  /** y range in %. Default: from ANN − 10 % (lower if an oracle or exit point lies lower) to just above the best. */
  readonly yDomain?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** What the point marks stand for, in legend order, and their shapes. */
const KINDS = {
  front: { label: 'exit rules: Pareto front', shape: 'circle' },
  oracle: { label: 'oracle', shape: 'diamond' },
  exit: { label: 'run with an exit rule', shape: 'triangle-up' },
} as const;

/** y range of the chart in %: ANN − 10 % up to just above the best, widened to every oracle and exit point. */
export function exitTradeoffDomain(series: readonly ExitTradeoffSeries[], annAccuracy: number): [number, number] {
  const ann = 100 * annAccuracy;
  const markers = series.flatMap((s) => [s.oracle, s.exit]).flatMap((p) => (p ? [100 * p.accuracy] : []));
  const all = [
    ann,
    ...markers,
    ...series.flatMap((s) => [...(s.accuracyPerStep ?? []), ...(s.front ?? []).map((p) => p.accuracy)].map((a) => 100 * a)),
  ];
  const lo = Math.max(0, Math.floor(Math.min(ann - 10, ...markers.map((m) => m - 1))));
  const hi = Math.min(100, Math.ceil(Math.max(...all) + 1));
  return [lo, Math.max(hi, lo + 1)];
}

/**
 * The Vega-Lite spec of accuracy (in %) against mean time steps per sample (log₂ axis as the accuracy chart).
 * Lines and points outside the y range are cut (a front's lowest rules usually are: "stable:1" answers after one
 * step); any part may be missing, a front may be a single point or empty.
 */
export function exitTradeoffChartSpec(
  series: readonly ExitTradeoffSeries[],
  annAccuracy: number,
  options: ExitTradeoffChartOptions = {},
): TopLevelSpec {
  assertUniqueLabels(
    series.map((s) => s.label),
    'accuracy against mean steps chart',
  );
  const T = Math.max(
    1,
    options.T ?? 0,
    ...series.map((s) => s.accuracyPerStep?.length ?? 0),
    ...series.flatMap((s) => [...(s.front ?? []), s.oracle, s.exit]).map((p) => Math.ceil(p?.meanSteps ?? 0)),
  );
  const scale = stepScale(T, 'log');
  const [xMin, xMax] = scale.domain;
  // mean steps are ≥ 1 (≥ 0.5 on a one-step axis) in any report; clamped so a log axis never meets 0
  const xOf = (meanSteps: number) => Math.min(xMax, Math.max(xMin, meanSteps));
  const [lo, hi] = options.yDomain ?? exitTradeoffDomain(series, annAccuracy);
  const inside = (y: number) => y >= lo && y <= hi;
  const curves: { series: string; part: number; steps: number; accuracy: number }[] = [];
  const fronts: { series: string; part: number; steps: number; accuracy: number }[] = [];
  const points: { series: string; kind: string; steps: number; accuracy: number; rule: string }[] = [];
  for (const s of series) {
    const curve = (s.accuracyPerStep ?? []).map((a, i) => ({ x: i + 1, y: 100 * a }));
    for (const v of clipPolyline(curve, scale.type, [lo, hi])) curves.push({ series: s.label, part: v.part, steps: v.x, accuracy: v.y });
    const front = [...(s.front ?? [])].sort((a, b) => a.meanSteps - b.meanSteps || a.accuracy - b.accuracy);
    const frontXY = front.map((p) => ({ x: xOf(p.meanSteps), y: 100 * p.accuracy }));
    for (const v of clipPolyline(frontXY, scale.type, [lo, hi])) fronts.push({ series: s.label, part: v.part, steps: v.x, accuracy: v.y });
    front.forEach((p, i) => {
      if (inside(frontXY[i].y))
        points.push({ series: s.label, kind: KINDS.front.label, steps: frontXY[i].x, accuracy: frontXY[i].y, rule: p.rule ?? '' });
    });
    for (const [kind, p] of [
      ['oracle', s.oracle],
      ['exit', s.exit],
    ] as const) {
      if (p && inside(100 * p.accuracy))
        points.push({
          series: s.label,
          kind: KINDS[kind].label,
          steps: xOf(p.meanSteps),
          accuracy: 100 * p.accuracy,
          rule: s.exit && kind === 'exit' ? s.exit.rule : '',
        });
    }
  }
  const kinds = (Object.keys(KINDS) as (keyof typeof KINDS)[]).filter((k) =>
    series.some((s) => (k === 'front' ? (s.front?.length ?? 0) > 0 : s[k] !== undefined)),
  );
  const x = { ...stepAxis(T, 'log', 'steps'), title: 'mean time steps per sample' };
  const y = { field: 'accuracy', type: 'quantitative' as const, title: 'accuracy (%)', scale: { domain: [lo, hi], nice: false, zero: false } };
  // the legend's swatches in full colour, not the fixed-T lines' light one
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: seriesColorScale(series),
    legend: {
      ...seriesLegend(
        series.length,
        series.map((s) => s.label),
      ),
      symbolOpacity: 1,
    },
  };
  // what the marks are: under the plot, so the two legends do not widen the chart side by side
  const shape = {
    field: 'kind',
    type: 'nominal' as const,
    title: null,
    scale: { domain: kinds.map((k) => KINDS[k].label), range: kinds.map((k) => KINDS[k].shape) },
    legend: {
      ...seriesLegend(
        kinds.length,
        kinds.map((k) => KINDS[k].label),
      ),
      orient: 'bottom' as const,
      symbolFillColor: '#666666',
      symbolStrokeColor: '#666666',
    },
  };
  const ann = 100 * annAccuracy;
  const ofKind = (k: keyof typeof KINDS) => `datum.kind === ${JSON.stringify(KINDS[k].label)}`;
  return {
    ...chartFrame(options),
    layer: [
      ...(inside(ann) ? referenceRule(ann, [6, 4], `ANN ${ann.toFixed(2)} %`, 1, xMin) : []),
      // fixed T: thin and light, so the fronts drawn over them stand out
      {
        data: { values: curves },
        mark: { type: 'line', interpolate: 'linear', strokeWidth: 1.5, opacity: 0.55 },
        encoding: { x, y, color, detail: { field: 'part', type: 'nominal' } },
      },
      {
        data: { values: fronts },
        mark: { type: 'line', interpolate: 'linear', strokeWidth: 2, strokeDash: [5, 3] },
        encoding: { x, y, color, detail: { field: 'part', type: 'nominal' } },
      },
      // no marker of any kind (fixed-T lines only): no point layers, whose shape scale would have nothing to show
      ...(kinds.length === 0
        ? []
        : [
            {
              data: { values: points },
              layer: [
                {
                  transform: [{ filter: ofKind('front') }],
                  mark: { type: 'point', filled: true, size: 36, opacity: 1 },
                  encoding: { x, y, color, shape },
                },
                {
                  transform: [{ filter: ofKind('oracle') }],
                  mark: { type: 'point', filled: false, size: 110, strokeWidth: 2, opacity: 1 },
                  encoding: { x, y, color, shape },
                },
                {
                  transform: [{ filter: ofKind('exit') }],
                  mark: { type: 'point', filled: true, size: 150, opacity: 1, stroke: '#222222', strokeWidth: 1 },
                  encoding: { x, y, color, shape },
                },
              ],
            },
          ]),
      ...points.filter((p) => p.kind === KINDS.exit.label).map((p) => ruleLabel(p, x, y, scale, [lo, hi])),
    ],
  } as TopLevelSpec;
}

/**
 * The rule beside an exit run's point, on its own one-row data: on the point's left when it lies in the right part
 * of the plot and above it when it lies in the lower half, so the text stays inside the plot.
 */
function ruleLabel(
  p: { readonly steps: number; readonly accuracy: number; readonly rule: string },
  x: object,
  y: object,
  scale: { readonly type: 'log' | 'linear'; readonly domain: readonly [number, number] },
  [lo, hi]: readonly [number, number],
) {
  const u = scale.type === 'log' ? Math.log2 : (v: number) => v;
  const [a, b] = scale.domain;
  const right = (u(p.steps) - u(a)) / (u(b) - u(a)) > 0.6;
  const low = (p.accuracy - lo) / (hi - lo) < 0.5;
  return {
    data: { values: [{ steps: p.steps, accuracy: p.accuracy, rule: p.rule }] },
    mark: {
      type: 'text' as const,
      align: right ? ('right' as const) : ('left' as const),
      baseline: low ? ('bottom' as const) : ('top' as const),
      dx: right ? -9 : 9,
      dy: low ? -5 : 5,
      fontSize: 11,
      color: '#333333',
    },
    encoding: { x, y, text: { field: 'rule', type: 'nominal' as const } },
  };
}

/** One run's exit steps: `ExitReport.histogram` (index t: samples that exited after t steps) and its mean. */
export interface ExitHistogramSeries extends SeriesIdentity {
  readonly histogram: readonly number[];
  readonly meanSteps: number;
}

/** Options of `exitHistogramChartSpec`. */
export interface ExitHistogramChartOptions {
  readonly title?: string;
  /** A colour per series, in order, e.g. the runs' colours in a chart of more series. Default: `seriesColors`. */
  readonly colors?: readonly string[];
  readonly width?: number;
  readonly height?: number;
}

/**
 * Samples against the step after which they exited, a bar per step (side by side for several runs), and a dashed
 * rule at each run's mean exit step. A linear step axis over 1..T: a histogram reads by its bars' areas.
 */
export function exitHistogramChartSpec(series: readonly ExitHistogramSeries[], options: ExitHistogramChartOptions = {}): TopLevelSpec {
  assertUniqueLabels(
    series.map((s) => s.label),
    'exit step histogram',
  );
  const T = Math.max(1, ...series.map((s) => s.histogram.length - 1));
  const n = Math.max(1, series.length);
  const bars = series.flatMap((s, i) =>
    s.histogram.flatMap((count, step) =>
      step >= 1 && count > 0 ? [{ series: s.label, step, from: step - 0.5 + i / n, to: step - 0.5 + (i + 1) / n, count }] : [],
    ),
  );
  // labels one under another, so several runs' means do not overwrite each other
  const means = series.map((s, i) => ({
    series: s.label,
    mean: s.meanSteps,
    text: `${series.length > 1 ? `${s.label}: ` : ''}mean ${s.meanSteps.toFixed(1)}`,
    offset: 4 + 14 * i,
  }));
  const top = Math.max(1, ...bars.map((b) => b.count));
  const xScale = { domain: [0.5, T + 0.5], nice: false, zero: false };
  const x = {
    field: 'from',
    type: 'quantitative' as const,
    title: 'exit step (time steps the sample ran)',
    scale: xScale,
    axis: T <= 16 ? { values: Array.from({ length: T }, (_, i) => i + 1), format: 'd', grid: false } : { format: 'd', tickMinStep: 1, grid: false },
  };
  const scale = options.colors ? { domain: series.map((s) => s.label), range: [...options.colors] } : seriesColorScale(series);
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale,
    legend: seriesLegend(
      series.length,
      series.map((s) => s.label),
    ),
  };
  return {
    ...chartFrame(options),
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rect', opacity: 0.9 },
        encoding: {
          x,
          x2: { field: 'to' },
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'samples',
            scale: { domain: [0, top], nice: true },
            axis: { format: 'd', tickMinStep: 1 },
          },
          y2: { datum: 0 },
          color,
        },
      },
      {
        data: { values: means },
        // dark, not the run's colour: over a bar of its own colour the rule would vanish
        mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 1.5, color: REFERENCE_COLOR },
        encoding: { x: { field: 'mean', type: 'quantitative', scale: xScale } },
      },
      {
        data: { values: means },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, fontSize: 11, color: REFERENCE_COLOR },
        encoding: {
          x: { field: 'mean', type: 'quantitative', scale: xScale },
          y: { field: 'offset', type: 'quantitative', scale: null },
          text: { field: 'text', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}
