/**
 * Per-layer diagnostics as grouped bars (one group per spiking layer, one bar per converter): the firing rate
 * and the SIN ratio of docs/method.md §4.
 */
import type { TopLevelSpec } from 'vega-lite';
import { seriesColorEncoding, type SeriesIdentity } from './colors.js';
import { assertUniqueLabels, chartFrame } from './theme.js';

/** One converter's per-layer values (a structural subset of `SimulationReport.layers`). */
export interface LayerSeries extends SeriesIdentity {
  readonly layers: readonly { readonly layer: string; readonly firingRate: number; readonly sinRatio: number }[];
}

/** Options of the per-layer charts. */
export interface LayerChartOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Mean spikes per neuron per step of every spiking layer, grouped by layer. */
export function firingRateChartSpec(series: readonly LayerSeries[], options: LayerChartOptions = {}): TopLevelSpec {
  return layerBarChartSpec(series, (l) => l.firingRate, { ...options, yTitle: 'spikes / neuron / step', yFormat: '.3~f' });
}

/**
 * SIN / (SIN + POS) of every spiking layer in % (docs/method.md §4): the share of firing neurons whose ANN
 * pre-activation is ≤ 0. `sinStep` is the step the counts were taken at (16 in `SimulationReport`).
 */
export function sinRatioChartSpec(series: readonly LayerSeries[], sinStep: number, options: LayerChartOptions = {}): TopLevelSpec {
  return layerBarChartSpec(series, (l) => 100 * l.sinRatio, { ...options, yTitle: `SIN ratio at t = ${sinStep} (%)`, yFormat: '.2~f' });
}

/** Short axis label of a layer: ONNX names like `/features/features.3/Relu` lose the leading slash. */
export function layerLabel(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

function layerBarChartSpec(
  series: readonly LayerSeries[],
  valueOf: (l: LayerSeries['layers'][number]) => number,
  options: LayerChartOptions & { yTitle: string; yFormat: string },
): TopLevelSpec {
  const labels = series.map((s) => s.label);
  assertUniqueLabels(labels, 'layer chart');
  // Layer order: as the first converter lists them (network order), then any layer only later ones have.
  const layerOrder: string[] = [];
  for (const s of series) for (const l of s.layers) if (!layerOrder.includes(layerLabel(l.layer))) layerOrder.push(layerLabel(l.layer));
  const values = series.flatMap((s) => s.layers.map((l) => ({ series: s.label, layer: layerLabel(l.layer), value: valueOf(l) })));
  const longLabels = layerOrder.some((l) => l.length > 10) || layerOrder.length > 8;
  return {
    ...chartFrame(options),
    data: { values },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      x: {
        field: 'layer',
        type: 'nominal',
        title: 'spiking layer',
        sort: layerOrder,
        scale: { paddingInner: 0.2 },
        axis: { labelAngle: longLabels ? -35 : 0, labelLimit: 180 },
      },
      xOffset: { field: 'series', type: 'nominal', sort: labels },
      y: { field: 'value', type: 'quantitative', title: options.yTitle, axis: { format: options.yFormat } },
      color: seriesColorEncoding(series, labels),
    },
  };
}
