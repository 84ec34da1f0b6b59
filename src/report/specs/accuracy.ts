/**
 * Accuracy against time step, one line per converter, with the ANN's accuracy as a dashed rule: the main figure
 * of the paper (METHOD.md §7) and of every msat document that compares converters (experiment, tuning, demo).
 */
import type { TopLevelSpec } from 'vega-lite';
import { REFERENCE_COLOR, assertUniqueLabels, chartFrame, seriesColorScale, stepAxis } from './theme.js';

const ONE_ROW = { values: [{}] };

/** One line of the chart. */
export interface AccuracySeries {
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
  /** y range in %; default [0, 100]. Lines outside it are clipped (for a zoom near the ANN). */
  readonly yDomain?: readonly [number, number];
  /** Also draw ANN − 1 % (the latency criterion of METHOD.md §7) as a dotted rule. Default false. */
  readonly showAnnMinus1?: boolean;
  /** Plot-area size in pixels. */
  readonly width?: number;
  readonly height?: number;
}

/**
 * The Vega-Lite spec of accuracy (in %) against time step. `annAccuracy` is a fraction in [0, 1]. Series may have
 * different lengths; the x axis spans the longest.
 */
export function accuracyChartSpec(series: readonly AccuracySeries[], annAccuracy: number, options: AccuracyChartOptions = {}): TopLevelSpec {
  const labels = series.map((s) => s.label);
  assertUniqueLabels(labels, 'accuracy chart');
  const T = Math.max(1, ...series.map((s) => s.accuracyPerStep.length));
  const xScale = options.xScale ?? 'log';
  const yDomain = options.yDomain ?? [0, 100];
  const ann = 100 * annAccuracy;
  const values = series.flatMap((s) => s.accuracyPerStep.map((a, i) => ({ series: s.label, step: i + 1, accuracy: 100 * a })));
  const x = stepAxis(T, xScale);
  const rule = (value: number, dash: number[], text: string, opacity: number) => [
    // One-row data of their own: inheriting the series' rows would draw the rule once per row.
    { data: ONE_ROW, mark: { type: 'rule' as const, color: REFERENCE_COLOR, strokeDash: dash, strokeWidth: 1.5, opacity }, encoding: { y: { datum: value } } },
    {
      data: ONE_ROW,
      mark: { type: 'text' as const, align: 'left' as const, baseline: 'bottom' as const, dx: 4, dy: -3, color: REFERENCE_COLOR, fontSize: 11, opacity },
      encoding: { x: { datum: xScale === 'log' ? 1 : 0 }, y: { datum: value }, text: { value: text } },
    },
  ];
  return {
    ...chartFrame(options),
    // Reference rules first, so the converters' lines are drawn over them.
    layer: [
      ...rule(ann, [6, 4], `ANN ${ann.toFixed(2)} %`, 1),
      ...(options.showAnnMinus1 ? rule(ann - 1, [2, 3], 'ANN − 1 %', 0.7) : []),
      {
        data: { values },
        mark: { type: 'line', clip: true, interpolate: 'linear' },
        encoding: {
          x,
          y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { domain: [...yDomain], nice: false, zero: false } },
          color: { field: 'series', type: 'nominal', title: null, scale: seriesColorScale(labels), legend: { orient: 'right' } },
        },
      },
    ],
  };
}
