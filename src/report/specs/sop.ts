/**
 * Synaptic operations per sample at every step, one line per converter (docs/method.md §7: SOP = Σ_l MAC_l × firing
 * rate of the layer feeding l, the analog first layer excluded). Converters often coincide here (the same spikes
 * with and without spike confidence, say), so each series has its own dash and open marker as well as its colour:
 * a series drawn over another still shows its own dashes and the other's markers through its gaps.
 */
import type { TopLevelSpec } from 'vega-lite';
import { seriesColorEncoding, type SeriesIdentity } from './colors.js';
import { SHORT_RUN_STEPS, assertUniqueLabels, chartFrame, powerOfTwoTicks, stepAxis } from './theme.js';

/** One line: `SimulationReport.sopPerStep` of one converter. */
export interface SopSeries extends SeriesIdentity {
  /** Synaptic operations per sample at steps 1..T. */
  readonly sopPerStep: readonly number[];
}

/** Options of `sopChartSpec`. */
export interface SopChartOptions {
  readonly title?: string;
  /** Same meaning and default (`log`) as the accuracy chart's, so the two line up step for step. */
  readonly xScale?: 'log' | 'linear';
  readonly width?: number;
  readonly height?: number;
}

/** Dash patterns and marker shapes by series order (solid and circle first). */
const DASHES: readonly number[][] = [
  [1, 0],
  [7, 3],
  [2, 2],
  [10, 3, 2, 3],
  [4, 4],
  [1, 4],
  [14, 4],
];
const SHAPES: readonly string[] = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-right'];

/**
 * Synaptic operations per sample against time step. Markers at every step for runs of up to `SHORT_RUN_STEPS`
 * steps, else at the powers of two (the axis ticks), so long runs stay legible.
 */
export function sopChartSpec(series: readonly SopSeries[], options: SopChartOptions = {}): TopLevelSpec {
  const labels = series.map((s) => s.label);
  assertUniqueLabels(labels, 'SOP chart');
  const T = Math.max(1, ...series.map((s) => s.sopPerStep.length));
  const marked = new Set(T <= SHORT_RUN_STEPS ? Array.from({ length: T }, (_, i) => i + 1) : powerOfTwoTicks(T));
  const values = series.flatMap((s) => s.sopPerStep.map((sop, i) => ({ series: s.label, step: i + 1, sop, marked: marked.has(i + 1) })));
  const x = stepAxis(T, options.xScale ?? 'log');
  const y = {
    field: 'sop',
    type: 'quantitative' as const,
    title: 'synaptic operations per sample',
    axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" },
    scale: { zero: true },
  };
  const color = seriesColorEncoding(series, labels);
  const pick = <T>(list: readonly T[]) => labels.map((_, i) => list[i % list.length]);
  return {
    ...chartFrame(options),
    data: { values },
    layer: [
      {
        mark: { type: 'line', interpolate: 'linear', strokeWidth: 2 },
        encoding: { x, y, color, strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: labels, range: pick(DASHES) } } },
      },
      {
        transform: [{ filter: 'datum.marked' }],
        mark: { type: 'point', filled: false, size: 42, strokeWidth: 1.5, opacity: 1 },
        encoding: { x, y, color, shape: { field: 'series', type: 'nominal', title: null, scale: { domain: labels, range: pick(SHAPES) } } },
      },
    ],
  };
}

/**
 * Groups of series whose SOP are the same at every step (within 1e-9 relative), which the chart draws on top
 * of each other; each group by label, in series order. Series alone are not listed.
 */
export function coincidingSeries(series: readonly SopSeries[]): string[][] {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v), Math.abs(b[i])));
  const groups: SopSeries[][] = [];
  for (const s of series) {
    const g = groups.find((g) => same(g[0].sopPerStep, s.sopPerStep));
    if (g) g.push(s);
    else groups.push([s]);
  }
  return groups.filter((g) => g.length > 1).map((g) => g.map((s) => s.label));
}
