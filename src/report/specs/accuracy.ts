/**
 * Accuracy against time step, one line per converter, with the ANN's accuracy as a dashed rule: the main figure
 * of the paper (docs/method.md §7) and of every msat document that compares converters (experiment, tuning, demo).
 */
import type { TopLevelSpec } from 'vega-lite';
import { clipPolyline } from './clip.js';
import { seriesColorEncoding, type SeriesIdentity } from './colors.js';
import { REFERENCE_COLOR, SHORT_RUN_STEPS, assertUniqueLabels, chartFrame, stepAxis, stepScale } from './theme.js';

const ONE_ROW = { values: [{}] };

/** One line of the chart; its id, method or config (optional) pick the converter's colour. */
export interface AccuracySeries extends SeriesIdentity {
  /** Legend label, unique within the chart (e.g. `θ = λ`, `MSAT DTT+DET`, `tuned`). */
  readonly label: string;
  /** Accuracy as a fraction in [0, 1] after steps 1..T (`SimulationReport.accuracyPerStep`). */
  readonly accuracyPerStep: readonly number[];
}

/** Options of `accuracyChartSpec`; every field is optional. */
export interface AccuracyChartOptions {
  readonly title?: string;
  /**
   * `log` (default): base-2 log x axis with ticks at 1, 2, 4, …, T. Accuracy changes most in the first steps and
   * the tabled T values are powers of two, so each doubling gets the same width; on a linear 1..256 axis the first
   * 16 steps, where converters differ most, would take 6 % of the width. `linear` for short runs.
   */
  readonly xScale?: 'log' | 'linear';
  /**
   * y range in %; default [0, 100]. Lines are cut where they leave it and dots outside it are left out (for a
   * zoom near the ANN); a series that never enters it draws nothing but keeps its legend entry.
   */
  readonly yDomain?: readonly [number, number];
  /** Also draw ANN − 1 % (the latency criterion of docs/method.md §7) as a dotted rule. Default false. */
  readonly showAnnMinus1?: boolean;
  /** Plot-area size in pixels. */
  readonly width?: number;
  readonly height?: number;
}

/**
 * The Vega-Lite spec of accuracy (in %) against time step. `annAccuracy` is a fraction in [0, 1]. Series may have
 * different lengths; the x axis spans the longest. Runs of up to `SHORT_RUN_STEPS` steps get a dot per step.
 */
export function accuracyChartSpec(series: readonly AccuracySeries[], annAccuracy: number, options: AccuracyChartOptions = {}): TopLevelSpec {
  const labels = series.map((s) => s.label);
  assertUniqueLabels(labels, 'accuracy chart');
  const T = Math.max(1, ...series.map((s) => s.accuracyPerStep.length));
  const xScale = options.xScale ?? 'log';
  const yDomain = options.yDomain ?? [0, 100];
  const ann = 100 * annAccuracy;
  const { lines, points } = clippedSeries(series, stepScale(T, xScale).type, yDomain);
  const x = stepAxis(T, xScale);
  const xStart = stepScale(T, xScale).domain[0];
  const y = { field: 'accuracy', type: 'quantitative' as const, title: 'accuracy (%)', scale: { domain: [...yDomain], nice: false, zero: false } };
  const color = seriesColorEncoding(series, labels);
  const rule = (value: number, dash: number[], text: string, opacity: number) => referenceRule(value, dash, text, opacity, xStart);
  return {
    ...chartFrame(options),
    // Reference rules first, so the converters' lines are drawn over them.
    layer: [
      ...rule(ann, [6, 4], `ANN ${ann.toFixed(2)} %`, 1),
      ...(options.showAnnMinus1 ? rule(ann - 1, [2, 3], 'ANN − 1 %', 0.7) : []),
      {
        data: { values: lines },
        // The data is already cut to the y domain, so nothing is clipped: resvg (the PNG renderer) aborts the
        // process on a clipped group whose line lies wholly outside the picture, as a series far below a zoom does.
        mark: { type: 'line', interpolate: 'linear' },
        encoding: { x, y, color, detail: { field: 'part', type: 'nominal' } },
      },
      ...(T <= SHORT_RUN_STEPS
        ? [{ data: { values: points }, mark: { type: 'point' as const, filled: true, size: 30, opacity: 1 }, encoding: { x, y, color } }]
        : []),
    ],
  };
}

/**
 * A horizontal reference rule at `value` (the ANN's accuracy, in the y field's units) with its label at the left
 * edge (`xStart`): two layers for a chart's `layer` list, each on one-row data of its own (inheriting the
 * series' rows would draw the rule once per row).
 */
export function referenceRule(value: number, dash: number[], text: string, opacity: number, xStart: number) {
  return [
    {
      data: ONE_ROW,
      mark: { type: 'rule' as const, color: REFERENCE_COLOR, strokeDash: dash, strokeWidth: 1.5, opacity },
      encoding: { y: { datum: value } },
    },
    {
      data: ONE_ROW,
      mark: {
        type: 'text' as const,
        align: 'left' as const,
        baseline: 'bottom' as const,
        dx: 4,
        dy: -3,
        color: REFERENCE_COLOR,
        fontSize: 11,
        opacity,
      },
      encoding: { x: { datum: xStart }, y: { datum: value }, text: { value: text } },
    },
  ];
}

/** A line's rows: pieces (`part`) of a series inside the y domain; a dot's rows: the steps inside it. */
interface LineRow {
  readonly series: string;
  readonly part: number;
  readonly step: number;
  readonly accuracy: number;
}

/** Every series cut to `[lo, hi]` (in %) by `clipPolyline`, and the dots of the steps inside it. */
function clippedSeries(
  series: readonly AccuracySeries[],
  xType: 'log' | 'linear',
  [lo, hi]: readonly [number, number],
): { lines: LineRow[]; points: { series: string; step: number; accuracy: number }[] } {
  const lines: LineRow[] = [];
  const points: { series: string; step: number; accuracy: number }[] = [];
  for (const s of series) {
    const steps = s.accuracyPerStep.map((a, i) => ({ x: i + 1, y: 100 * a }));
    for (const p of steps) if (p.y >= lo && p.y <= hi) points.push({ series: s.label, step: p.x, accuracy: p.y });
    for (const v of clipPolyline(steps, xType, [lo, hi])) lines.push({ series: s.label, part: v.part, step: v.x, accuracy: v.y });
  }
  return { lines, points };
}
