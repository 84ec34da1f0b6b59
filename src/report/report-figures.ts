/**
 * The charts of an experiment's report as Vega-Lite specs, with their captions: what `renderReport` draws.
 * Every chart carries a subtitle naming the model, the data, the samples and T, so a PNG on its own still says
 * what it shows.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ConverterRun, ExperimentResults } from '../experiment/index.js';
import { accuracyChartSpec } from './specs/accuracy.js';
import { seriesColors } from './specs/colors.js';
import { exitHistogramChartSpec, exitTradeoffChartSpec, exitTradeoffDomain, type ExitTradeoffSeries } from './specs/exit.js';
import { firingRateChartSpec, sinRatioChartSpec } from './specs/layers.js';
import { rasterChartSpec } from './specs/raster.js';
import { coincidingSeries, sopChartSpec } from './specs/sop.js';
import { traceChartSpec } from './specs/traces.js';
import { runIdentities } from './summary.js';

/** A chart of the report before rendering. */
export interface ReportFigureSpec {
  /**
   * File stem under `figures/`: `accuracy`, `accuracy-zoom`, `accuracy-steps` and `exit-steps` (early exit),
   * `firing-rate`, `sin-ratio`, `sop`, `raster`, `traces-<id>`.
   */
  readonly name: string;
  readonly title: string;
  readonly caption: string;
  readonly placement: 'main' | 'detail';
  readonly spec: TopLevelSpec;
}

export const DEFAULT_MAX_TRACE_PANELS = 12;

/** Most neurons in the raster: every spike is an SVG element, and a small raster is read at a glance. */
const RASTER_ROWS = 24;

interface LabelledRun {
  readonly run: ConverterRun;
  readonly label: string;
  /** What picks the run's colour (colors.ts). */
  readonly identity: { readonly label: string; readonly id: string; readonly method: string; readonly k: number };
}

/** The charts of `results`, in the order the report shows them, and notes on the ones left out. */
export function reportFigureSpecs(
  results: ExperimentResults,
  options: { readonly maxTracePanels?: number } = {},
): { figures: ReportFigureSpec[]; notes: string[] } {
  const maxPanels = options.maxTracePanels ?? DEFAULT_MAX_TRACE_PANELS;
  const identities = runIdentities(results.runs);
  const runs: LabelledRun[] = results.runs.map((run, i) => ({ run, label: identities[i].label, identity: identities[i] }));
  const samples = results.runs[0].report.samples;
  const ann = 100 * results.annAccuracy;
  const top = Math.max(ann, ...results.runs.map((r) => 100 * r.report.bestAccuracy));
  const zoom: [number, number] = [Math.max(0, Math.floor(ann - 5)), Math.min(100, Math.ceil(top + 1))];
  const sinStep = results.runs[0].report.sinStep;
  const accuracySeries = runs.map(({ run, identity }) => ({ ...identity, accuracyPerStep: run.report.accuracyPerStep }));
  const layerSeries = runs.map(({ run, identity }) => ({ ...identity, layers: run.report.layers }));
  const sopSeries = runs.map(({ run, identity }) => ({ ...identity, sopPerStep: run.report.sopPerStep }));
  const allSamples = subtitle(results, `${samples.toLocaleString('en-US')} samples`);
  const firstSample = subtitle(results, `its first sample`);
  const figures: ReportFigureSpec[] = [
    {
      name: 'accuracy',
      title: 'Accuracy against time step',
      caption:
        `Top-1 accuracy of the SNN's readout after each time step t on ${samples} samples; dashed: the ANN on the same samples. ` +
        'The step axis is logarithmic: accuracy changes most in the first steps, and each doubling of t gets the same width.' +
        budgetNote(runs),
      placement: 'main',
      spec: titled(accuracyChartSpec(accuracySeries, results.annAccuracy), 'Accuracy against time step', allSamples),
    },
    {
      name: 'accuracy-zoom',
      title: "Accuracy near the ANN's",
      caption: 'The same curves from ANN − 5 % up; dotted: ANN − 1 %, the criterion of the "steps to ANN − 1 %" column.' + outsideZoom(runs, zoom),
      placement: 'main',
      spec: titled(
        accuracyChartSpec(accuracySeries, results.annAccuracy, { yDomain: zoom, showAnnMinus1: true, height: 240 }),
        "Accuracy near the ANN's",
        allSamples,
      ),
    },
    ...exitFigures(results, runs, allSamples),
    {
      name: 'firing-rate',
      title: 'Firing rate per spiking layer',
      caption: "Mean spikes per neuron per step of each spiking layer, over each run's T steps.",
      placement: 'detail',
      spec: titled(firingRateChartSpec(layerSeries, { height: 240 }), 'Firing rate per spiking layer', allSamples),
    },
    {
      name: 'sin-ratio',
      title: 'Spikes of inactivated neurons per layer',
      caption:
        `SIN / (SIN + POS) after ${sinStep} steps: the share of firing neurons whose ANN pre-activation is ≤ 0 (docs/method.md §4). ` +
        'Spike confidence is 1 minus this ratio.',
      placement: 'detail',
      spec: titled(sinRatioChartSpec(layerSeries, sinStep, { height: 240 }), 'Spikes of inactivated neurons (SIN ratio)', allSamples),
    },
    {
      name: 'sop',
      title: 'Synaptic operations per step',
      caption:
        'Synaptic operations per sample at each step: Σ over layers of MACs × firing rate of the layer feeding them; ' +
        'the analog first layer is counted apart, as MACs (docs/method.md §7). Each converter has its own dash and marker.' +
        coincideNote(coincidingSeries(sopSeries)),
      placement: 'detail',
      spec: titled(sopChartSpec(sopSeries), 'Synaptic operations per step', allSamples),
    },
  ];
  const notes: string[] = [];
  const raster = rasterRuns(runs);
  if (raster.length > 0) {
    const rows = raster.map(({ run, identity }) => ({ ...identity, traces: pickTraces(run.traces, RASTER_ROWS) }));
    const perLayer = Math.max(...countBy(rows[0].traces.map((t) => t.layer)).values());
    figures.push({
      name: 'raster',
      title: 'Spike raster of sampled neurons',
      caption:
        `Spikes of the sampled neurons (up to ${perLayer} per spiking layer, grouped by layer) on the first sample, ` +
        `for ${raster.map((r) => r.label).join(' and ')}: a tick at every time step in which the neuron fired` +
        (rows.some((r) => r.traces.some((t) => t.spikes.some((n) => n > 1))) ? ', darker for several spikes in one step.' : '.'),
      placement: 'detail',
      spec: titled(rasterChartSpec(rows), 'Spike raster of sampled neurons', firstSample),
    });
  }
  for (const { run, label } of runs) {
    if (run.traces.length === 0) continue;
    const title = `Threshold and membrane traces: ${label}`;
    const shown = pickTraces(run.traces, maxPanels);
    figures.push({
      name: `traces-${fileStem(run.converter.id)}`,
      title,
      caption:
        'Membrane potential V after integrating the input of step t (before the spike) and threshold θ(t) of sample neurons ' +
        "on the first sample, in the layer's activation units; a tick on the bottom edge marks each step with a spike" +
        `${run.traces.some((t) => t.spikes.some((n) => n > 1)) ? ' (darker for several)' : ''}; ` +
        'the panel titles give the ANN activation the rate approximates.' +
        exitedTraceNote(run) +
        (shown.length < run.traces.length ? ` ${shown.length} of the ${run.traces.length} traced neurons are shown.` : ''),
      placement: 'detail',
      spec: titled(traceChartSpec(shown), title, firstSample),
    });
  }
  const untraced = runs.filter(({ run }) => run.traces.length === 0).map(({ label }) => label);
  if (untraced.length === runs.length) {
    notes.push('Spike raster, threshold and membrane traces: no neuron was traced in this results file, so their charts are left out.');
  } else if (untraced.length > 0) {
    notes.push(`Threshold and membrane traces were not recorded for ${untraced.join(', ')}.`);
  }
  return { figures, notes };
}

/**
 * With early exit in the results (a run with an exit rule, or exit rules replayed on a full run): accuracy
 * against mean steps for every run, and the exit steps of the runs with an exit rule.
 */
function exitFigures(results: ExperimentResults, runs: readonly LabelledRun[], sub: string): ReportFigureSpec[] {
  const withExit = runs.filter(({ run }) => run.report.exit);
  const swept = runs.filter(({ run }) => run.report.exitSweep);
  if (withExit.length === 0 && swept.length === 0) return [];
  // every run, so each keeps the colour it has in the other charts
  const series: ExitTradeoffSeries[] = runs.map(({ run, identity }) => {
    const r = run.report;
    return {
      ...identity,
      ...(r.exit ? { exit: r.exit } : { accuracyPerStep: r.accuracyPerStep }),
      ...(r.exitSweep ? { front: r.exitSweep.front, oracle: r.exitSweep.oracle } : {}),
    };
  });
  const [lo] = exitTradeoffDomain(series, results.annAccuracy);
  const names = (list: readonly LabelledRun[]) => list.map(({ label }) => label).join(', ');
  const parts = [
    runs.length > withExit.length ? 'Thin solid lines: every sample runs t steps (fixed T), so the mean is t.' : '',
    swept.length > 0
      ? `Dashed lines with dots: the Pareto front of the exit rules replayed on the same run (${families(swept)}, each over a range ` +
        'of thresholds): no other rule of the sweep is both more accurate and faster. Where a front lies above its fixed-T line, ' +
        'exiting early beats stopping every sample at the same mean step. ' +
        'Hollow diamonds: the oracle, which stops each sample once its answer stays right up to T; no rule that reads only the ' +
        'readout so far does better in fewer steps.'
      : '',
    withExit.length > 0
      ? `Large triangles: ${withExit.length === 1 ? 'the run' : 'the runs'} with an exit rule (${names(withExit)}), labelled with the rule: ` +
        'accuracy with exit against the mean exit step.'
      : '',
    lo > 0 ? `The accuracy axis starts at ${lo} %; lines and front points below it are cut.` : '',
  ];
  const figures: ReportFigureSpec[] = [
    {
      name: 'accuracy-steps',
      title: 'Accuracy against mean time steps (early exit)',
      caption: `Accuracy against the mean number of time steps a sample runs, on a logarithmic axis. ${parts.filter((p) => p).join(' ')}`,
      placement: 'main',
      spec: titled(exitTradeoffChartSpec(series, results.annAccuracy, { T: results.T }), 'Accuracy against mean time steps', sub),
    },
  ];
  if (withExit.length > 0) {
    const colors = seriesColors(runs.map(({ identity }) => identity));
    const stats = withExit.map(({ run, label }) => {
      const e = run.report.exit!;
      return `${withExit.length > 1 ? `${label}: ` : ''}${e.rule}, mean ${e.meanSteps.toFixed(1)}, median ${e.medianSteps}, 95 % by step ${e.p95Steps}`;
    });
    figures.push({
      name: 'exit-steps',
      title: 'When samples exit',
      caption:
        `Samples by the time step after which their exit rule stopped them (${stats.join('; ')}); dashed: the mean exit step. ` +
        'A sample still running at the last step allowed exits there.',
      placement: 'main',
      spec: titled(
        exitHistogramChartSpec(
          withExit.map(({ run, identity }) => ({ ...identity, histogram: run.report.exit!.histogram, meanSteps: run.report.exit!.meanSteps })),
          { colors: withExit.map(({ run }) => colors[runs.findIndex((r) => r.run === run)]), height: 240 },
        ),
        'When samples exit',
        sub,
      ),
    });
  }
  return figures;
}

/** The rule families swept on `runs`, in words: `confidence, margin and stable`. */
function families(runs: readonly LabelledRun[]): string {
  const names = [...new Set(runs.flatMap(({ run }) => run.report.exitSweep?.points.map((p) => p.family) ?? []))];
  if (names.length === 0) return 'none';
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** A sentence saying that the traced sample of a run with an exit rule stopped before T, or ''. */
function exitedTraceNote(run: ConverterRun): string {
  const steps = run.traces[0]?.membrane.length ?? run.report.T;
  return run.report.exit && steps < run.report.T
    ? ` The sample stopped under the exit rule (${run.report.exit.rule}); its traces end after ${steps} steps, where the simulator last ran it.`
    : '';
}

/** A sentence saying that a run with an exit rule draws its accuracy with a budget of t steps, or ''. */
function budgetNote(runs: readonly LabelledRun[]): string {
  const withExit = runs.filter(({ run }) => run.report.exit).map(({ label }) => label);
  if (withExit.length === 0) return '';
  return ` ${withExit.join(', ')} ${withExit.length === 1 ? 'runs' : 'run'} with an exit rule: ${withExit.length === 1 ? 'its' : 'their'} line is the accuracy with a budget of t steps (a sample that exited earlier keeps its answer).`;
}

/** `mnist-cnn.onnx · mnist, test split · 1,000 samples · T = 64`: what a chart shows, in its own picture. */
function subtitle(r: ExperimentResults, samples: string): string {
  const d = r.provenance.dataset;
  return `${basename(r.provenance.model.path)} · ${basename(d.path)}, ${d.split} split · ${samples} · T = ${r.T}`;
}

function titled(spec: TopLevelSpec, text: string, sub: string): TopLevelSpec {
  return { ...spec, title: { text, subtitle: sub } } as TopLevelSpec;
}

/**
 * The raster's panels: θ = λ (the classic converter) and the traced adaptive-threshold run that comes closest to
 * the ANN soonest (fewest steps to ANN − 1 %, then best accuracy); whichever of them was traced.
 */
function rasterRuns(runs: readonly LabelledRun[]): LabelledRun[] {
  const traced = runs.filter(({ run }) => run.traces.length > 0);
  const classic =
    traced.find(({ identity }) => identity.id === 'const-1') ?? traced.find(({ identity }) => identity.method === 'const' && identity.k === 1);
  const adaptive = traced
    .filter(({ identity }) => identity.method !== 'const')
    .sort(
      (a, b) =>
        (a.run.report.stepsToAnnMinus1 ?? Infinity) - (b.run.report.stepsToAnnMinus1 ?? Infinity) ||
        b.run.report.bestAccuracy - a.run.report.bestAccuracy,
    )[0];
  const picked = [classic, adaptive].filter((r): r is LabelledRun => r !== undefined);
  return picked.length > 0 ? picked : traced.slice(0, 1);
}

function countBy(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** A sentence naming the series drawn on top of each other, or ''. */
function coincideNote(groups: readonly string[][]): string {
  if (groups.length === 0) return '';
  const list = (g: readonly string[]) => (g.length === 2 ? `${g[0]} and ${g[1]}` : `${g.slice(0, -1).join(', ')} and ${g[g.length - 1]}`);
  return ` ${groups.map((g) => list(g)).join('; ')} coincide (the same synaptic operations at every step): their lines lie on top of each other.`;
}

/**
 * At most `max` of `traces`, in their order: round-robin over layers (each layer's first traced neuron, then
 * its second, …), over evenly spaced layers when there are more layers than panels.
 */
export function pickTraces<T extends { readonly layer: string }>(traces: readonly T[], max: number): T[] {
  if (traces.length <= max) return [...traces];
  const layers = [...new Set(traces.map((t) => t.layer))].map((l) => traces.filter((t) => t.layer === l));
  const groups =
    layers.length <= max ? layers : Array.from({ length: max }, (_, i) => layers[Math.round((i * (layers.length - 1)) / Math.max(1, max - 1))]);
  const picked = new Set<T>();
  for (let k = 0; picked.size < max; k++) {
    const before = picked.size;
    for (const g of groups) if (k < g.length && picked.size < max) picked.add(g[k]);
    if (picked.size === before) break;
  }
  return traces.filter((t) => picked.has(t));
}

/** A sentence naming the series that never enter the zoom's y range (in %), so their absence is explained; or ''. */
function outsideZoom(runs: readonly LabelledRun[], [lo, hi]: readonly [number, number]): string {
  const below = runs.filter(({ run }) => run.report.accuracyPerStep.every((a) => 100 * a < lo)).map(({ label }) => label);
  const above = runs.filter(({ run }) => run.report.accuracyPerStep.every((a) => 100 * a > hi)).map(({ label }) => label);
  const say = (labels: string[], where: string) =>
    labels.length === 0
      ? ''
      : ` ${labels.join(', ')} ${labels.length === 1 ? 'stays' : 'stay'} ${where} at every step, so no line is drawn for ${labels.length === 1 ? 'it' : 'them'} here.`;
  return say(below, `below ${lo} %`) + say(above, `above ${hi} %`);
}

/** A converter id as a file-name part: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function fileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter((s) => s.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}
