/**
 * `msat report`: every chart of an experiment as SVG and PNG under `<dir>/figures/`, and `<dir>/report.html`
 * with the charts inline. All files are written atomically.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { MsatError, writeFileAtomic } from '../core/index.js';
import type { ExperimentResults } from '../experiment/index.js';
import { reportHtml, type HtmlFigure } from './html.js';
import { renderPng } from './render-png.js';
import { renderSvg } from './render-svg.js';
import { accuracyChartSpec } from './specs/accuracy.js';
import { firingRateChartSpec, sinRatioChartSpec } from './specs/layers.js';
import { sopChartSpec } from './specs/sop.js';
import { traceChartSpec } from './specs/traces.js';
import { seriesLabels } from './summary.js';

/** A chart of the report before rendering. */
export interface ReportFigureSpec {
  /** File stem under `figures/`: `accuracy`, `accuracy-zoom`, `firing-rate`, `sin-ratio`, `sop`, `traces-<id>`. */
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  readonly placement: 'main' | 'detail';
  readonly spec: TopLevelSpec;
}

/** Options of `renderReport`; every field is optional. */
export interface RenderReportOptions {
  /** Pixels per SVG pixel of the PNGs. Default 2. */
  readonly pngScale?: number;
  /**
   * Most neurons drawn per trace chart (a VGG-16 with 3 traced neurons per layer has 45). Default 12: every
   * spiking layer's first traced neuron, then the second, …; evenly spaced layers when there are more layers.
   */
  readonly maxTracePanels?: number;
  /** Milliseconds one PNG may take to render before it counts as failed (`renderPng`'s `timeoutMs`). Default 60 000. */
  readonly pngTimeoutMs?: number;
  /** Receives chart warnings from Vega-Lite / Vega. Default: ignored. */
  readonly onWarning?: (message: string) => void;
}

/** What `renderReport` wrote. */
export interface RenderedReport {
  /** Path of `report.html`. */
  readonly html: string;
  /** Paths of every figure file written (SVG and PNG of each chart). */
  readonly figures: string[];
  /** Charts left out and why (for example: no traces recorded). */
  readonly notes: string[];
}

/** The charts of `results`, in the order the report shows them, and notes on the ones left out. */
export function reportFigureSpecs(results: ExperimentResults, options: Pick<RenderReportOptions, 'maxTracePanels'> = {}): { figures: ReportFigureSpec[]; notes: string[] } {
  const maxPanels = options.maxTracePanels ?? DEFAULT_MAX_TRACE_PANELS;
  const labels = seriesLabels(results.runs);
  const runs = results.runs.map((run, i) => ({ run, label: labels[i] }));
  const samples = results.runs[0].report.samples;
  const ann = 100 * results.annAccuracy;
  const top = Math.max(ann, ...results.runs.map((r) => 100 * r.report.bestAccuracy));
  const zoom: [number, number] = [Math.max(0, Math.floor(ann - 5)), Math.min(100, Math.ceil(top + 1))];
  const sinStep = results.runs[0].report.sinStep;
  const accuracySeries = runs.map(({ run, label }) => ({ label, accuracyPerStep: run.report.accuracyPerStep }));
  const layerSeries = runs.map(({ run, label }) => ({ label, layers: run.report.layers }));
  const figures: ReportFigureSpec[] = [
    {
      name: 'accuracy',
      title: 'Accuracy against time step',
      caption:
        `Top-1 accuracy of the SNN's readout after each time step t on ${samples} samples; dashed: the ANN on the same samples. ` +
        'The step axis is logarithmic: accuracy changes most in the first steps, and each doubling of t gets the same width.',
      placement: 'main',
      spec: accuracyChartSpec(accuracySeries, results.annAccuracy, { title: 'Accuracy against time step' }),
    },
    {
      name: 'accuracy-zoom',
      title: "Accuracy near the ANN's",
      caption: 'The same curves from ANN − 5 % up; dotted: ANN − 1 %, the criterion of the "steps to ANN − 1 %" column.' + outsideZoom(runs, zoom),
      placement: 'main',
      spec: accuracyChartSpec(accuracySeries, results.annAccuracy, { title: "Accuracy near the ANN's", yDomain: zoom, showAnnMinus1: true, height: 240 }),
    },
    {
      name: 'firing-rate',
      title: 'Firing rate per spiking layer',
      caption: "Mean spikes per neuron per step of each spiking layer, over each run's T steps.",
      placement: 'detail',
      spec: firingRateChartSpec(layerSeries, { title: 'Firing rate per spiking layer', height: 240 }),
    },
    {
      name: 'sin-ratio',
      title: 'Spikes of inactivated neurons per layer',
      caption:
        `SIN / (SIN + POS) after ${sinStep} steps: the share of firing neurons whose ANN pre-activation is ≤ 0 (docs/method.md §4). ` +
        'Spike confidence is 1 minus this ratio.',
      placement: 'detail',
      spec: sinRatioChartSpec(layerSeries, sinStep, { title: 'Spikes of inactivated neurons (SIN ratio)', height: 240 }),
    },
    {
      name: 'sop',
      title: 'Synaptic operations per step',
      caption:
        'Synaptic operations per sample at each step: Σ over layers of MACs × firing rate of the layer feeding them; ' +
        'the analog first layer is counted apart, as MACs (docs/method.md §7).',
      placement: 'detail',
      spec: sopChartSpec(runs.map(({ run, label }) => ({ label, sopPerStep: run.report.sopPerStep })), { title: 'Synaptic operations per step' }),
    },
  ];
  const notes: string[] = [];
  for (const { run, label } of runs) {
    if (run.traces.length === 0) continue;
    const title = `Threshold and membrane traces: ${label}`;
    const shown = pickTraces(run.traces, maxPanels);
    figures.push({
      name: `traces-${fileStem(run.converter.id)}`,
      title,
      caption:
        'Membrane potential after integrating the input of step t (before the spike) and threshold θ(t) of sample neurons, ' +
        'on the first test sample; shaded steps are spikes, wider for bursts; the panel titles give the ANN activation the rate approximates.' +
        (shown.length < run.traces.length ? ` ${shown.length} of the ${run.traces.length} traced neurons are shown.` : ''),
      placement: 'detail',
      spec: traceChartSpec(shown, { title }),
    });
  }
  const untraced = runs.filter(({ run }) => run.traces.length === 0).map(({ label }) => label);
  if (untraced.length === runs.length) {
    notes.push('Threshold and membrane traces: none were recorded in this results file, so their chart is left out.');
  } else if (untraced.length > 0) {
    notes.push(`Threshold and membrane traces were not recorded for ${untraced.join(', ')}.`);
  }
  return { figures, notes };
}

/**
 * Renders every chart of `results` to `<outDir>/figures/<name>.svg` and `.png` and writes `<outDir>/report.html`
 * (self-contained: inline CSS and SVG). Returns the paths written.
 */
export async function renderReport(results: ExperimentResults, outDir: string, options: RenderReportOptions = {}): Promise<RenderedReport> {
  const { figures: specs, notes } = reportFigureSpecs(results, options);
  const figuresDir = join(outDir, 'figures');
  await guardWrite(figuresDir, () => mkdir(figuresDir, { recursive: true }));
  const written: string[] = [];
  const htmlFigures: HtmlFigure[] = [];
  // A chart that cannot be drawn does not stop the others: every figure that renders is written, report.html
  // says which one failed, and then the first failure is thrown, so the command still exits 1 with one line.
  const failures: MsatError[] = [];
  for (const f of specs) {
    const svgPath = join(figuresDir, `${f.name}.svg`);
    const pngPath = join(figuresDir, `${f.name}.png`);
    let svg: string;
    try {
      svg = await renderSvg(f.spec, { idPrefix: f.name, onWarning: options.onWarning });
    } catch (e) {
      if (!(e instanceof MsatError)) throw e;
      failures.push(new MsatError(e.code, `${svgPath}: ${e.message}`, { cause: e }));
      notes.push(`Chart "${f.title}" (${f.name}) could not be drawn: ${e.message}`);
      continue;
    }
    await guardWrite(svgPath, () => writeFileAtomic(svgPath, svg));
    written.push(svgPath);
    htmlFigures.push({ name: f.name, title: f.title, caption: f.caption, svg, placement: f.placement });
    let png: Buffer;
    try {
      png = await renderPng(svg, { scale: options.pngScale, name: pngPath, timeoutMs: options.pngTimeoutMs });
    } catch (e) {
      if (!(e instanceof MsatError)) throw e;
      failures.push(e);
      notes.push(`Chart "${f.title}" (${f.name}): its PNG could not be rendered (${e.message}); the SVG is shown.`);
      continue;
    }
    await guardWrite(pngPath, () => writeFileAtomic(pngPath, png));
    written.push(pngPath);
  }
  const html = join(outDir, 'report.html');
  await guardWrite(html, () => writeFileAtomic(html, reportHtml(results, { figures: htmlFigures, notes, figuresDir: 'figures' })));
  if (failures.length > 0) {
    const [first] = failures;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more chart${failures.length > 2 ? 's' : ''})` : '';
    throw new MsatError(first.code, `${first.message}${more}; ${html} was written without it`, { cause: first });
  }
  return { html, figures: written, notes };
}

export const DEFAULT_MAX_TRACE_PANELS = 12;

/**
 * At most `max` of `traces`, in their order: round-robin over layers (each layer's first traced neuron, then
 * its second, …), over evenly spaced layers when there are more layers than panels.
 */
export function pickTraces<T extends { readonly layer: string }>(traces: readonly T[], max: number): T[] {
  if (traces.length <= max) return [...traces];
  const layers = [...new Set(traces.map((t) => t.layer))].map((l) => traces.filter((t) => t.layer === l));
  const groups = layers.length <= max ? layers : Array.from({ length: max }, (_, i) => layers[Math.round((i * (layers.length - 1)) / Math.max(1, max - 1))]);
  const picked = new Set<T>();
  for (let k = 0; picked.size < max; k++) {
    const before = picked.size;
    for (const g of groups) if (k < g.length && picked.size < max) picked.add(g[k]);
    if (picked.size === before) break;
  }
  return traces.filter((t) => picked.has(t));
}

/** A sentence naming the series that never enter the zoom's y range (in %), so their absence is explained; or ''. */
function outsideZoom(runs: readonly { run: ExperimentResults['runs'][number]; label: string }[], [lo, hi]: readonly [number, number]): string {
  const below = runs.filter(({ run }) => run.report.accuracyPerStep.every((a) => 100 * a < lo)).map(({ label }) => label);
  const above = runs.filter(({ run }) => run.report.accuracyPerStep.every((a) => 100 * a > hi)).map(({ label }) => label);
  const say = (labels: string[], where: string) =>
    labels.length === 0 ? '' : ` ${labels.join(', ')} ${labels.length === 1 ? 'stays' : 'stay'} ${where} at every step, so no line is drawn for ${labels.length === 1 ? 'it' : 'them'} here.`;
  return say(below, `below ${lo} %`) + say(above, `above ${hi} %`);
}

/** A converter id as a file-name part: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function fileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function guardWrite(path: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MsatError('REPORT_WRITE', `${path}: cannot write (${code ?? (e instanceof Error ? e.message : String(e))})`, { cause: e });
  }
}
