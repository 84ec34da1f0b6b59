/**
 * Spike raster of the traced neurons: one row per neuron, grouped by layer (alternate layers on a grey band), a
 * tick at every step in which the neuron fired; one panel per converter, side by side on a shared neuron axis so
 * the same neuron can be followed across converters.
 */
import type { TopLevelSpec } from 'vega-lite';
import { MsatError } from '../../core/index.js';
import { seriesColors, type SeriesIdentity } from './colors.js';
import { CHART_CONFIG } from './theme.js';
import { layerLabel } from './layers.js';

/** One converter's panel: its traced neurons (structurally `NeuronTrace`), spikes per step. */
export interface RasterSeries extends SeriesIdentity {
  readonly traces: readonly { readonly layer: string; readonly neuron: number; readonly spikes: readonly number[] }[];
}

/** Options of `rasterChartSpec`. */
export interface RasterChartOptions {
  readonly title?: string;
  /** Width of each converter's panel. Default 280 (two panels fit beside each other in the report's column). */
  readonly width?: number;
  /** Height of one neuron's row. Default 11. */
  readonly rowHeight?: number;
}

/** The Vega-Lite spec of a raster of `series` (one panel each, in order). */
export function rasterChartSpec(series: readonly RasterSeries[], options: RasterChartOptions = {}): TopLevelSpec {
  if (series.length === 0 || series.every((s) => s.traces.length === 0))
    throw new MsatError('REPORT_SPEC', 'raster chart: no traced neurons to draw');
  // Rows: layers in the order the first panel lists them, then each layer's neurons in that order.
  const rows: string[] = [];
  const layers: string[] = [];
  for (const s of series) {
    for (const tr of s.traces) {
      const row = rowName(tr);
      if (!layers.includes(tr.layer)) layers.push(tr.layer);
      if (!rows.includes(row)) rows.push(row);
    }
  }
  rows.sort((a, b) => layers.indexOf(layerOfRow(a, series)) - layers.indexOf(layerOfRow(b, series)));
  const T = Math.max(1, ...series.flatMap((s) => s.traces.map((tr) => tr.spikes.length)));
  const spikes = series.flatMap((s) =>
    s.traces.flatMap((tr) => tr.spikes.flatMap((n, i) => (n > 0 ? [{ converter: s.label, row: rowName(tr), step: i + 1, spikes: n }] : []))),
  );
  const maxSpikes = Math.max(1, ...spikes.map((d) => d.spikes));
  // Grey bands behind every second layer, so the rows of one layer read as a group.
  const bands = series.flatMap((s) =>
    rows.filter((r) => layers.indexOf(layerOfRow(r, series)) % 2 === 1).map((row) => ({ converter: s.label, row })),
  );
  const x = {
    field: 'step',
    type: 'quantitative' as const,
    title: 'time step t',
    scale: { domain: [0.5, T + 0.5], nice: false, zero: false },
    axis: { format: 'd', tickMinStep: 1, grid: false },
  };
  const y = {
    field: 'row',
    type: 'nominal' as const,
    title: null,
    sort: rows,
    scale: { domain: rows, paddingInner: 0, paddingOuter: 0 },
    axis: { labelFontSize: 10, ticks: false, domain: false },
  };
  const colors = seriesColors(series);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: options.title } : {}),
    config: { ...CHART_CONFIG, header: { ...CHART_CONFIG.header, labelFontWeight: 'bold', labelFontSize: 13 } },
    datasets: { spikes, bands },
    data: { name: 'spikes' },
    facet: { column: { field: 'converter', type: 'nominal', title: null, sort: series.map((s) => s.label), header: { labelOrient: 'top' } } },
    spacing: 16,
    spec: {
      width: options.width ?? 280,
      height: { step: options.rowHeight ?? 11 },
      layer: [
        {
          data: { name: 'bands' },
          mark: { type: 'rect', color: '#f1f3f5', opacity: 1 },
          encoding: { y, x: { datum: 0.5, type: 'quantitative', scale: x.scale }, x2: { datum: T + 0.5 } },
        },
        {
          mark: { type: 'tick', orient: 'vertical', thickness: T > 128 ? 1 : 1.5, opacity: 1 },
          encoding: {
            x,
            y,
            color: { field: 'converter', type: 'nominal', title: null, scale: { domain: series.map((s) => s.label), range: colors }, legend: null },
            ...(maxSpikes > 1
              ? {
                  opacity: { field: 'spikes', type: 'quantitative', title: 'spikes in the step', scale: { domain: [1, maxSpikes], range: [0.4, 1] } },
                }
              : {}),
          },
        },
      ],
    },
  };
}

function rowName(tr: { readonly layer: string; readonly neuron: number }): string {
  return `${layerLabel(tr.layer)} #${tr.neuron}`;
}

function layerOfRow(row: string, series: readonly RasterSeries[]): string {
  for (const s of series) for (const tr of s.traces) if (rowName(tr) === row) return tr.layer;
  return '';
}
