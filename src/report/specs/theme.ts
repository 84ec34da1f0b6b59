/**
 * The look every msat chart shares: fonts, sizes, axes and legends (the converters' colours are in
 * `colors.ts`), from chart to chart and from document to document (the experiment report, the tuning report,
 * the demo).
 */
import type { Config } from 'vega-lite';
import { MsatError } from '../../core/index.js';

/**
 * Font stack of the charts. DejaVu Sans comes first because it is what a fresh Debian machine has (package
 * `fonts-dejavu-core`, which `resvg` needs to draw text into PNGs); browsers fall back to their own sans-serif.
 */
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Neutral grey of reference rules (the ANN's accuracy). */
export const REFERENCE_COLOR = '#555555';

/**
 * Default plot-area size in CSS pixels (axes come on top). Legends sit above the plot, not beside it, so a chart
 * is about as wide as its plot and keeps readable text when a phone scales it down to its screen.
 */
export const CHART_WIDTH = 520;
export const CHART_HEIGHT = 300;

/** Font size of legend labels. */
const LEGEND_FONT_SIZE = 12;

/** Vega-Lite config of every msat chart. */
export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#dddddd' },
  title: { fontSize: 16, fontWeight: 'bold', anchor: 'start', offset: 10, color: '#222222', subtitleFontSize: 12, subtitleColor: '#555555' },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 'normal',
    titleColor: '#333333',
    labelColor: '#444444',
    gridColor: '#eeeeee',
    domainColor: '#888888',
    tickColor: '#888888',
  },
  legend: { labelFontSize: LEGEND_FONT_SIZE, titleFontSize: 12, titleFontWeight: 'normal', symbolStrokeWidth: 3, labelLimit: 360 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  line: { strokeWidth: 2 },
};

/**
 * The legend of a chart's series: above the plot, in rows of at most three (two when a label is long). Vega
 * measures text without a canvas as 0.8 × font size per character and cuts a label longer than its limit with
 * "…": the limit grows with the longest of `labels` (up to 400 px), so `tuned MSAT DTT+DET + exit` is whole.
 */
export function seriesLegend(count: number, labels: readonly string[] = []) {
  const longest = Math.ceil(0.8 * LEGEND_FONT_SIZE * Math.max(0, ...labels.map((l) => l.length)));
  return {
    orient: 'top' as const,
    direction: 'horizontal' as const,
    columns: Math.min(longest > 200 ? 2 : 3, Math.max(1, count)),
    labelLimit: Math.max(240, Math.min(400, longest + 2)),
    columnPadding: 16,
  };
}

/** The top of a single-view chart spec: schema, optional title, size (default `CHART_WIDTH` × `CHART_HEIGHT`), config. */
export function chartFrame(options: { readonly title?: string; readonly width?: number; readonly height?: number }) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? CHART_WIDTH,
    height: options.height ?? CHART_HEIGHT,
    config: CHART_CONFIG,
  };
}

/**
 * Runs of at most this many steps draw a dot at every step besides the line: a line through one or two points
 * is hard to see (through one point it is nothing at all), and a short run is read step by step anyway.
 */
export const SHORT_RUN_STEPS = 16;

/**
 * The x scale of a per-step chart: base-2 log over [1, T], or linear over [0, T]. A one-step run would make
 * either domain a single point, which Vega maps to no width at all; it gets [0.5, 1.5] instead, with step 1 in
 * the middle.
 */
export function stepScale(T: number, xScale: 'log' | 'linear'): { type: 'log' | 'linear'; domain: [number, number] } {
  if (!(T >= 2)) return { type: 'linear', domain: [0.5, 1.5] };
  return xScale === 'log' ? { type: 'log', domain: [1, T] } : { type: 'linear', domain: [0, T] };
}

/**
 * The time-step x encoding shared by the per-step charts (`field` default `step`): base-2 log with power-of-two
 * ticks, or linear with whole-number ticks; see `stepScale` for a one-step run.
 */
export function stepAxis(T: number, xScale: 'log' | 'linear', field = 'step') {
  const { type, domain } = stepScale(T, xScale);
  return {
    field,
    type: 'quantitative' as const,
    title: 'time step t',
    scale: type === 'log' ? { type: 'log' as const, base: 2, domain } : { type: 'linear' as const, domain, nice: false, zero: false },
    axis:
      type === 'log'
        ? { values: powerOfTwoTicks(T), format: 'd', grid: true }
        : T < 2
          ? { values: [1], format: 'd', grid: true }
          : { format: 'd', tickMinStep: 1, grid: true },
  };
}

/** 1, 2, 4, … up to `last` (inclusive when `last` is a power of two), then `last` itself: log-axis ticks. */
export function powerOfTwoTicks(last: number): number[] {
  const ticks: number[] = [];
  for (let t = 1; t <= last; t *= 2) ticks.push(t);
  if (ticks[ticks.length - 1] !== last) ticks.push(last);
  return ticks;
}

/** Throws when two series share a label: the colour scale and the legend key on labels. */
export function assertUniqueLabels(labels: readonly string[], chart: string): void {
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) throw new MsatError('REPORT_SPEC', `${chart}: two series are labelled "${l}"; give each series its own label`);
    seen.add(l);
  }
}
