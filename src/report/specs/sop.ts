/**
 * Synaptic operations per sample at every step, one line per converter (docs/method.md §7: SOP = Σ_l MAC_l × firing
 * rate of the layer feeding l, the analog first layer excluded).
 */
import type { TopLevelSpec } from 'vega-lite';
import { SHORT_RUN_STEPS, assertUniqueLabels, chartFrame, seriesColorScale, stepAxis } from './theme.js';

/** One line: `SimulationReport.sopPerStep` of one converter. */
export interface SopSeries {
  readonly label: string;
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

/** Synaptic operations per sample against time step; runs of up to `SHORT_RUN_STEPS` steps get a dot per step. */
export function sopChartSpec(series: readonly SopSeries[], options: SopChartOptions = {}): TopLevelSpec {
  const labels = series.map((s) => s.label);
  assertUniqueLabels(labels, 'SOP chart');
  const T = Math.max(1, ...series.map((s) => s.sopPerStep.length));
  const values = series.flatMap((s) => s.sopPerStep.map((sop, i) => ({ series: s.label, step: i + 1, sop })));
  return {
    ...chartFrame(options),
    data: { values },
    mark: { type: 'line', interpolate: 'linear', ...(T <= SHORT_RUN_STEPS ? { point: { filled: true, size: 30 } } : {}) },
    encoding: {
      x: stepAxis(T, options.xScale ?? 'log'),
      y: { field: 'sop', type: 'quantitative', title: 'SOP per sample', axis: { labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')" }, scale: { zero: true } },
      color: { field: 'series', type: 'nominal', title: null, scale: seriesColorScale(labels), legend: { orient: 'right' } },
    },
  };
}
