/**
 * Per-layer parameter and MAC counts (what `msat inspect` prints). MACs are per sample and count only conv and
 * linear layers, the quantity the energy estimate multiplies by firing rates (docs/method.md §7: SOP = Σ MAC_l · rate).
 */
import { layerParameters, type Layer, type LayerKind, type Network, type Shape } from './network.js';
import { formatShape } from './shape-inference.js';
import { layerKindSpec } from './layers/index.js';

/** One row of the summary. */
export interface LayerSummary {
  readonly name: string;
  readonly kind: LayerKind;
  readonly outShape: Shape;
  /** Elements of the layer's float32 tensors (weights, biases, BN statistics, constants). */
  readonly params: number;
  /** Multiply-accumulates per sample. */
  readonly macs: number;
}

/** What `msat inspect` shows: one row per layer, totals per sample. */
export interface NetworkSummary {
  readonly rows: readonly LayerSummary[];
  readonly totalParams: number;
  readonly totalMacs: number;
}

/**
 * MACs per sample of one layer. conv: outC · outSpatial · (inC/group) · kernelSize (= weight size · outSpatial);
 * linear: in · out for every position of the leading non-batch axes (`[N, T, in]` counts T times); others 0.
 * Each kind's count is its `LayerKindSpec.macs` (layers/<kind>.ts).
 */
export function layerMacs(layer: Layer): number {
  return layerKindSpec(layer.kind).macs(layer);
}

/** Rows in layer order plus totals. */
export function summarizeNetwork(network: Network): NetworkSummary {
  const rows = network.layers.map((l): LayerSummary => ({
    name: l.name,
    kind: l.kind,
    outShape: l.outShape,
    params: layerParameters(l).reduce((s, t) => s + t.data.length, 0),
    macs: layerMacs(l),
  }));
  return {
    rows,
    totalParams: rows.reduce((s, r) => s + r.params, 0),
    totalMacs: rows.reduce((s, r) => s + r.macs, 0),
  };
}

const groupDigits = (n: number): string => n.toLocaleString('en-US');

/** A fixed-width text table: name, kind, output shape, params, MACs, then a totals line. */
export function formatSummary(summary: NetworkSummary): string {
  const header = ['layer', 'kind', 'output', 'params', 'MACs'];
  const body = summary.rows.map((r) => [r.name, r.kind, formatShape(r.outShape), groupDigits(r.params), groupDigits(r.macs)]);
  const total = ['total', '', '', groupDigits(summary.totalParams), groupDigits(summary.totalMacs)];
  const all = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (c >= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line), rule, line(total)].join('\n');
}
