/**
 * One colour per converter, defined here once and used by every chart (experiment report, tuning chart, demo),
 * the HTML legend swatches and so the PNGs: θ = λ is the same blue wherever it appears, whatever the order or
 * the number of series beside it.
 */
import { seriesLegend } from './theme.js';

/**
 * The converters msat names (the preset ids of `msat experiment`, plus `tuned` from `msat tune` and `tuned-exit`,
 * the tuned converter with an exit rule).
 */
export type ConverterKey = 'const-1' | 'const-0.5' | 'dtt' | 'det' | 'msat' | 'msat-sc' | 'tuned' | 'tuned-exit';

/**
 * Tableau 10 hues: blue for the classic θ = λ, orange for θ = 0.5·λ, green for MSAT DTT+DET, purple for tuned and
 * pink, its neighbour, for tuned with an exit rule; the single-stage variants and spike confidence get the hues left. Line dashes and point shapes (where charts
 * overlap) keep them apart for colour-blind readers.
 */
export const CONVERTER_COLORS: Readonly<Record<ConverterKey, string>> = Object.freeze({
  'const-1': '#4e79a7',
  'const-0.5': '#f28e2b',
  dtt: '#76b7b2',
  det: '#9c755f',
  msat: '#59a14f',
  'msat-sc': '#e15759',
  tuned: '#b07aa1',
  'tuned-exit': '#ff9da7',
});

/** Colours of series that are none of the converters above, or a second series of the same converter. */
export const SPARE_COLORS: readonly string[] = Object.freeze(['#edc948', '#bab0ac', '#1f77b4', '#8c564b', '#17becf', '#7f7f7f']);

/** The labels msat gives its converters (presets and `msat tune`), so a series known only by its label keeps its colour. */
const LABEL_KEYS: Readonly<Record<string, ConverterKey>> = {
  'θ = λ': 'const-1',
  'θ = 0.5·λ': 'const-0.5',
  'MSAT DTT': 'dtt',
  'MSAT DET': 'det',
  'MSAT DTT+DET': 'msat',
  'DTT+DET + SC': 'msat-sc',
  tuned: 'tuned',
};

/**
 * What a series may say about its converter. A tuning report's curves carry `config` (its neuron), an
 * experiment's runs their `id` and neuron; a bare label still works for msat's own labels.
 */
export interface SeriesIdentity {
  readonly label: string;
  /** Converter id (`ConverterRun.converter.id`). */
  readonly id?: string;
  /** Neuron method and constant-threshold factor. */
  readonly method?: string;
  readonly k?: number;
  readonly config?: { readonly method: string; readonly k?: number };
}

function isKey(s: string | undefined): s is ConverterKey {
  return s !== undefined && Object.hasOwn(CONVERTER_COLORS, s);
}

/** The converter a series names outright: its id, or one of msat's labels. */
function namedKey(s: SeriesIdentity): ConverterKey | undefined {
  if (isKey(s.id)) return s.id;
  return Object.hasOwn(LABEL_KEYS, s.label) ? LABEL_KEYS[s.label] : undefined;
}

/** The converter a series' neuron makes: θ = λ and θ = 0.5·λ by their factor, MSAT variants by their method. */
function neuronKey(s: SeriesIdentity): ConverterKey | undefined {
  const method = s.method ?? s.config?.method;
  const k = s.k ?? s.config?.k;
  if (method === 'const') return k === 1 || k === undefined ? 'const-1' : k === 0.5 ? 'const-0.5' : undefined;
  return isKey(method) ? method : undefined;
}

/**
 * One colour per series, in order. Series that name their converter get its colour first; then those known by
 * their neuron, unless another series already has that colour; the rest take spare colours, so no two series
 * of a chart share one.
 */
export function seriesColors(series: readonly SeriesIdentity[]): string[] {
  const colors: (string | undefined)[] = series.map(() => undefined);
  const used = new Set<string>();
  const assign = (keyOf: (s: SeriesIdentity) => ConverterKey | undefined) =>
    series.forEach((s, i) => {
      const key = colors[i] === undefined ? keyOf(s) : undefined;
      if (key && !used.has(CONVERTER_COLORS[key])) used.add((colors[i] = CONVERTER_COLORS[key]));
    });
  assign(namedKey);
  assign(neuronKey);
  const spare = [...SPARE_COLORS, ...Object.values(CONVERTER_COLORS)].filter((c) => !used.has(c));
  let next = 0;
  return colors.map((c) => c ?? spare[next++ % spare.length]);
}

/** The Vega-Lite colour scale of `series`, keyed by label. */
export function seriesColorScale(series: readonly SeriesIdentity[]): { domain: string[]; range: string[] } {
  return { domain: series.map((s) => s.label), range: seriesColors(series) };
}

/** The colour encoding of a chart whose marks have a `series` field: one colour per converter, its legend. */
export function seriesColorEncoding(series: readonly SeriesIdentity[], labels: readonly string[]) {
  return { field: 'series', type: 'nominal' as const, title: null, scale: seriesColorScale(series), legend: seriesLegend(series.length, labels) };
}
