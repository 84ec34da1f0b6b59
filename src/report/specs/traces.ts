/**
 * Membrane potential and threshold θ(t) of a few sample neurons over time, one panel per neuron, spikes as short
 * ticks along the panel's bottom edge (docs/method.md §2, §7): shows what an adaptive threshold does that θ = λ
 * does not. Ticks rather than shaded steps: MSAT neurons often fire at nearly every step, and shading would
 * cover the whole panel.
 */
import type { TopLevelSpec } from 'vega-lite';
import { MsatError } from '../../core/index.js';
import { CHART_CONFIG, CHART_WIDTH, SHORT_RUN_STEPS, stepAxis } from './theme.js';
import { layerLabel } from './layers.js';

/** One neuron's trace (structurally `NeuronTrace` of the results file); every array has length T. */
export interface TraceSeries {
  readonly layer: string;
  readonly neuron: number;
  /** The ANN's ReLU output of this neuron, which the rate λ·n/T approximates; shown in the panel title. */
  readonly annActivation?: number;
  /** Membrane potential after integrating step t's input, before the spike. */
  readonly membrane: readonly number[];
  readonly threshold: readonly number[];
  /** Spikes emitted at step t (0..γ). */
  readonly spikes: readonly number[];
}

/** Options of `traceChartSpec`. */
export interface TraceChartOptions {
  readonly title?: string;
  /**
   * Panels per row. Default: one row per layer when every layer has the same 2 or 3 traced neurons (a grid with
   * no empty cell), else 2 columns for four or more neurons, else 1.
   */
  readonly columns?: number;
  /** Width and height of each neuron's panel. Default width: the chart width, or about half of it in two columns. */
  readonly width?: number;
  readonly panelHeight?: number;
}

/** Panel width by number of columns, so the whole chart stays about as wide as the others. */
const PANEL_WIDTHS = [CHART_WIDTH, 300, 220];

const MEMBRANE = 'membrane V';
const THRESHOLD = 'threshold θ';
const SPIKE = 'spike';
const TRACE_COLORS = { [MEMBRANE]: '#4e79a7', [THRESHOLD]: '#d35400', [SPIKE]: '#c0392b' } as const;
/** Height of the spike ticks in pixels. */
const TICK = 9;

/** The Vega-Lite spec of `traces`: one panel per neuron, membrane and threshold lines, a tick per step with spikes. */
export function traceChartSpec(traces: readonly TraceSeries[], options: TraceChartOptions = {}): TopLevelSpec {
  if (traces.length === 0) throw new MsatError('REPORT_SPEC', 'trace chart: no traces to draw');
  const names = traces.map(
    (tr) => `${layerLabel(tr.layer)} #${tr.neuron}` + (typeof tr.annActivation !== 'number' ? '' : ` · ANN ${tr.annActivation.toPrecision(3)}`),
  );
  const values = traces.flatMap((tr, k) => {
    const T = tr.membrane.length;
    if (tr.threshold.length !== T || tr.spikes.length !== T) {
      throw new MsatError(
        'REPORT_SPEC',
        `trace of ${names[k]}: membrane, threshold and spikes must have the same length, got ${T}, ${tr.threshold.length} and ${tr.spikes.length}`,
      );
    }
    return tr.membrane.map((v, i) => ({ neuron: names[k], t: i + 1, [MEMBRANE]: v, [THRESHOLD]: tr.threshold[i], spikes: tr.spikes[i] }));
  });
  const T = Math.max(...traces.map((tr) => tr.membrane.length));
  const columns = options.columns ?? defaultColumns(traces);
  // Linear steps 1..T (a one-step run gets [0.5, 1.5], not a domain of no width); whole-number ticks only.
  const step = stepAxis(T, 'linear', 't');
  const x = { ...step, scale: T < 2 ? step.scale : { type: 'linear' as const, domain: [1, T], nice: false }, axis: step.axis };
  const height = options.panelHeight ?? 130;
  const maxSpikes = Math.max(1, ...traces.flatMap((tr) => tr.spikes));
  // One legend for the three marks: colours and dashes share the domain, the spike tick is solid.
  const series = { domain: [MEMBRANE, THRESHOLD, SPIKE] };
  const color = {
    type: 'nominal' as const,
    title: null,
    scale: { ...series, range: [TRACE_COLORS[MEMBRANE], TRACE_COLORS[THRESHOLD], TRACE_COLORS[SPIKE]] },
  };
  const dash = {
    type: 'nominal' as const,
    title: null,
    scale: {
      ...series,
      range: [
        [1, 0],
        [5, 3],
        [1, 0],
      ],
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: options.title } : {}),
    config: {
      ...CHART_CONFIG,
      header: { ...CHART_CONFIG.header, labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelFontWeight: 'bold' },
    },
    data: { values },
    facet: { field: 'neuron', type: 'nominal', title: null, sort: names },
    columns,
    align: 'all',
    spacing: { row: 18, column: 28 },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: options.width ?? PANEL_WIDTHS[Math.min(columns, PANEL_WIDTHS.length) - 1],
      height,
      layer: [
        {
          transform: [{ fold: [MEMBRANE, THRESHOLD], as: ['series', 'value'] }],
          mark: { type: 'line', interpolate: 'linear', strokeWidth: 1.75, ...(T <= SHORT_RUN_STEPS ? { point: { filled: true, size: 16 } } : {}) },
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative', title: 'activation units', axis: { titleFontSize: 12 }, scale: { zero: false } },
            color: { ...color, field: 'series', legend: { orient: 'top', direction: 'horizontal', symbolType: 'stroke' } },
            strokeDash: { ...dash, field: 'series' },
          },
        },
        {
          // A tick from the bottom edge up at each step with spikes; bursts (several spikes in one step) darker.
          transform: [{ filter: 'datum.spikes > 0' }],
          mark: { type: 'rule', strokeWidth: 1.25, ...(maxSpikes > 1 ? {} : { opacity: 0.9 }) },
          encoding: {
            x,
            y: { value: height - TICK },
            y2: { value: height },
            color: { ...color, datum: SPIKE },
            strokeDash: { ...dash, datum: SPIKE },
            ...(maxSpikes > 1
              ? { opacity: { field: 'spikes', type: 'quantitative', scale: { domain: [1, maxSpikes], range: [0.45, 1] }, legend: null } }
              : {}),
          },
        },
      ],
    },
  };
}

function defaultColumns(traces: readonly TraceSeries[]): number {
  const perLayer = new Map<string, number>();
  for (const tr of traces) perLayer.set(tr.layer, (perLayer.get(tr.layer) ?? 0) + 1);
  const counts = new Set(perLayer.values());
  const [k] = counts;
  if (counts.size === 1 && (k === 2 || k === 3)) return k;
  return traces.length >= 4 ? 2 : 1;
}
