/**
 * The experiment report as one self-contained HTML page: inline CSS and inline SVG, no scripts and no URL that
 * a browser would fetch, so it can be mailed, archived or opened offline. Order: header, the main figure, the
 * tables, the other charts, then how every number was made.
 */
import type { ExperimentResults } from '../experiment/index.js';
import { ENERGY_PER_MAC_PJ } from '../snn/index.js';
import { formatCount, formatDuration, formatMicrojoules, formatPercent, summarizeRun, tableSteps, type RunSummary } from './summary.js';

/** A rendered chart, as the page embeds it. */
export interface HtmlFigure {
  /** File stem under `figures/` (links to its SVG and PNG). */
  readonly name: string;
  /** For screen readers; the visible title is drawn inside the SVG, so the PNG has it too. */
  readonly title: string;
  /** One or two sentences under the chart: what to read from it. */
  readonly caption: string;
  readonly svg: string;
  /** `main` figures come before the tables, `detail` ones after. */
  readonly placement: 'main' | 'detail';
}

/** Inputs of `reportHtml` besides the results. */
export interface ReportHtmlParts {
  readonly figures: readonly HtmlFigure[];
  /** Short notes shown where a chart was left out (for example: no traces recorded). */
  readonly notes?: readonly string[];
  /** Folder of the figure files, relative to the page. Default `figures`. */
  readonly figuresDir?: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** The whole page. */
export function reportHtml(results: ExperimentResults, parts: ReportHtmlParts): string {
  const figuresDir = parts.figuresDir ?? 'figures';
  const steps = tableSteps(results.T);
  const rows = results.runs.map((run) => summarizeRun(run, steps));
  const main = parts.figures.filter((f) => f.placement === 'main');
  const detail = parts.figures.filter((f) => f.placement === 'detail');
  const energyNotes = [...new Set(results.runs.map((r) => r.report.energyNote))];
  const title = `msat experiment: ${results.preset}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="msat ${e(results.provenance.msatVersion)}">
<link rel="icon" href="data:,">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${header(results)}
<section id="main-figure">
${main.map((f) => figure(f, figuresDir)).join('\n')}
</section>
<section id="tables">
<h2>Converters compared</h2>
${accuracyTable(results, steps, rows)}
<h3>Synaptic operations and energy per sample</h3>
${costTable(results, rows)}
${energyNotes.map((n) => `<p class="note">${e(n)}</p>`).join('\n')}
</section>
<section id="charts">
<h2>Inside the networks</h2>
${detail.map((f) => figure(f, figuresDir)).join('\n')}
${(parts.notes ?? []).map((n) => `<p class="note chart-note">${e(n)}</p>`).join('\n')}
</section>
${settings(results)}
${provenance(results)}
</main>
</body>
</html>
`;
}

function header(r: ExperimentResults): string {
  const p = r.provenance;
  const runsT = [...new Set(r.runs.map((x) => x.report.T))];
  const samples = r.runs[0].report.samples;
  const fact = (label: string, value: string, hint?: string) =>
    `<div class="fact"><div class="label">${e(label)}</div><div class="value"${hint ? ` title="${e(hint)}"` : ''}>${value}</div></div>`;
  return `<header>
<p class="kicker">msat experiment report</p>
<h1>${e(r.preset)}</h1>
${r.description ? `<p class="description">${e(r.description)}</p>` : ''}
<div class="facts">
${fact('ANN accuracy', `<span class="big">${e(formatPercent(r.annAccuracy))}</span>`)}
${fact('model', `<code>${e(basename(p.model.path))}</code>`, p.model.path)}
${fact('dataset', `<code>${e(basename(p.dataset.path))}</code> · ${e(p.dataset.split)} · ${samples.toLocaleString('en-US')} samples`, p.dataset.path)}
${fact('time steps', `T = ${runsT.map(String).join(', ')}`)}
${fact('converters', String(r.runs.length))}
${fact('finished', e(p.finishedAt ? formatTimestamp(p.finishedAt) : 'not yet (partial results)'))}
</div>
</header>`;
}

/** A chart: its own title is drawn inside the SVG (so the PNG has it too); the caption says how to read it. */
function figure(f: HtmlFigure, dir: string): string {
  return `<figure id="fig-${e(f.name)}" class="chart" aria-label="${e(f.title)}">
<div class="svg">${stripXmlProlog(f.svg)}</div>
<figcaption><span class="caption">${e(f.caption)}</span> <span class="files"><a href="${e(`${dir}/${f.name}.svg`)}">SVG</a> · <a href="${e(`${dir}/${f.name}.png`)}">PNG</a></span></figcaption>
</figure>`;
}

/** Accuracy at the tabled steps, best accuracy and latency; the best value of each column in bold. */
function accuracyTable(r: ExperimentResults, steps: readonly number[], rows: readonly RunSummary[]): string {
  const bestOf = (values: (number | null)[], better: (a: number, b: number) => boolean) => {
    let best: number | null = null;
    for (const v of values) if (v !== null && (best === null || better(v, best))) best = v;
    return best;
  };
  const colBest = steps.map((_, i) => bestOf(rows.map((x) => x.accuracyAt[i]), (a, b) => a > b));
  const bestBest = bestOf(rows.map((x) => x.bestAccuracy), (a, b) => a > b);
  const bestLatency = bestOf(rows.map((x) => x.stepsToAnnMinus1), (a, b) => a < b);
  const cell = (v: number | null, best: number | null, text: (v: number) => string) =>
    v === null ? '<td class="na">—</td>' : `<td${v === best ? ' class="best"' : ''}>${e(text(v))}</td>`;
  const pct = (v: number) => (100 * v).toFixed(2);
  const head = `<tr><th class="name">converter</th>${steps.map((t) => `<th>T = ${t}</th>`).join('')}<th>best (at step)</th><th>steps to ANN − 1 %</th></tr>`;
  const ann = `<tr class="ann"><td class="name">ANN</td><td colspan="${steps.length}">${e(pct(r.annAccuracy))}</td><td></td><td></td></tr>`;
  const body = rows
    .map(
      (x) =>
        `<tr><td class="name">${e(x.label)}${x.method.includes(x.label) ? '' : `<div class="sub">${e(x.method)}</div>`}</td>` +
        x.accuracyAt.map((v, i) => cell(v, colBest[i], pct)).join('') +
        `<td${x.bestAccuracy === bestBest ? ' class="best"' : ''}>${e(pct(x.bestAccuracy))} <span class="sub">(${x.bestStep})</span></td>` +
        (x.stepsToAnnMinus1 === null ? `<td class="na">not within ${x.T}</td>` : cell(x.stepsToAnnMinus1, bestLatency, String)) +
        '</tr>',
    )
    .join('\n');
  return `<div class="table-wrap"><table class="numbers">
<caption>Accuracy in % after T steps (${e(String(rows[0]?.samples ?? 0))} samples); best of each column in bold.</caption>
<thead>${head}</thead>
<tbody>
${ann}
${body}
</tbody>
</table></div>`;
}

/** Synaptic operations and the two energy figures per sample, against the ANN's energy. */
function costTable(r: ExperimentResults, rows: readonly RunSummary[]): string {
  const annJ = r.runs[0].report.annEnergyPerSampleJ;
  const Ts = [...new Set(rows.map((x) => x.T))];
  const analog = [...new Set(rows.map((x) => x.analogMacsPerStep))];
  const head =
    '<tr><th class="name">converter</th><th>SOP per step</th><th>SOP per sample</th>' +
    '<th>energy<br><span class="sub">1 AC per spike</span></th><th>energy<br><span class="sub">1 MAC per event</span></th><th>MAC per event<br><span class="sub">vs ANN</span></th></tr>';
  const body = rows
    .map(
      (x) =>
        `<tr><td class="name">${e(x.label)}${Ts.length > 1 ? `<div class="sub">over ${x.T} steps</div>` : ''}</td>` +
        `<td>${e(formatCount(x.sopPerStepMean))}</td><td>${e(formatCount(x.sopPerSample))}</td>` +
        `<td>${e(formatMicrojoules(x.energyPerSampleJ))}</td><td>${e(formatMicrojoules(x.multiplyPerEventEnergyPerSampleJ))}</td>` +
        `<td>${annJ > 0 ? e(`${(x.multiplyPerEventEnergyPerSampleJ / annJ).toFixed(2)}×`) : '—'}</td></tr>`,
    )
    .join('\n');
  const annRow =
    `<tr class="ann"><td class="name">ANN</td><td></td><td>${e(formatCount(rows[0]?.annMacs ?? 0))} MACs</td>` +
    `<td colspan="2">${e(formatMicrojoules(annJ))} (${ENERGY_PER_MAC_PJ} pJ per MAC)</td><td>1.00×</td></tr>`;
  return `<div class="table-wrap"><table class="numbers">
<caption>Per sample${Ts.length === 1 ? `, over ${Ts[0]} steps` : ", over each run's T steps"}. SOP: synaptic operations (accumulates triggered by spikes);
the analog first layer adds ${e(analog.map(formatCount).join(' / '))} MACs at every step, included in both energies.</caption>
<thead>${head}</thead>
<tbody>
${annRow}
${body}
</tbody>
</table></div>`;
}

/** What each converter was: neuron options, confidence, calibration, samples, time. */
function settings(r: ExperimentResults): string {
  const rows = r.runs
    .map((run) => {
      const c = run.converter;
      const n = c.neuron;
      const neuron = [
        n.method === 'const' ? `θ = ${n.k}·λ` : `${n.method}, hp α=${n.hp.alpha} kₐ=${n.hp.ka} kᵢ=${n.hp.ki} C=${n.hp.C} τmp=${n.hp.taump} τrd=${n.hp.taurd}`,
        `γ = ${n.gamma}`,
        `${n.reset} reset`,
      ].join(', ');
      const confidence = run.report.confidence
        ? Object.entries(run.report.confidence).map(([l, v]) => `${l}: ${v.toFixed(3)}`).join(', ')
        : c.confidence;
      return (
        `<tr><td class="name">${e(c.label)}<div class="sub"><code>${e(c.id)}</code></div></td><td>${e(neuron)}</td><td>${e(confidence)}</td>` +
        `<td>${e(c.snn ? `from ${c.snn.path.split(/[\\/]/).pop()}` : percentileText(r.provenance.calibration.percentile))}</td><td>${e(run.report.encoding)}</td>` +
        `<td>${e(String(run.report.samples))}</td><td>${e(formatDuration(run.report.seconds))}</td></tr>`
      );
    })
    .join('\n');
  const coverage = r.runs[0].report.coverage;
  return `<section id="settings">
<h2>Converter settings</h2>
<div class="table-wrap"><table class="settings">
<thead><tr><th class="name">converter</th><th>neuron</th><th>spike confidence</th><th>λ</th><th>input</th><th>samples</th><th>simulation time</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
${coverage ? `<details><summary>Conversion coverage (what each layer became)</summary><pre>${e(coverage)}</pre></details>` : ''}
</section>`;
}

function provenance(r: ExperimentResults): string {
  const p = r.provenance;
  const m = p.machine;
  const d = p.dataset;
  const row = (k: string, v: string) => `<tr><th>${e(k)}</th><td>${v}</td></tr>`;
  return `<section id="provenance">
<h2>Provenance</h2>
<table class="provenance">
${row('command', `<code>${e(p.command)}</code>`)}
${row('msat', `${e(p.msatVersion)}, commit <code>${e(p.gitCommit ?? 'outside a git checkout')}</code>`)}
${row('model', `<code>${e(p.model.path)}</code><br>sha256 <code class="hash">${e(p.model.sha256)}</code>`)}
${row(
  'dataset',
  `<code>${e(d.path)}</code>, ${e(d.split)} split, ${d.samples} samples (every ${d.every}${d.limit === null ? '' : `, limit ${d.limit}`})` +
    `<br>sha256 of the split's files <code class="hash">${e(d.sha256)}</code>`,
)}
${row('calibration', e(`λ = ${percentileText(p.calibration.percentile)} of each ReLU output on the first ${p.calibration.samples} training samples`))}
${row('seed', String(p.seed))}
${row('machine', e(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform} ${m.arch}`))}
${row('software', e(`Node ${m.node}, onnxruntime ${m.onnxruntime}, ${m.threads} threads`))}
${row('started', e(formatTimestamp(p.startedAt)))}
${row('finished', e(p.finishedAt ? formatTimestamp(p.finishedAt) : 'not yet (partial results)'))}
${row('wall time', e(formatDuration(p.wallSeconds)))}
</table>
</section>`;
}

/** `2026-11-28T10:00:09.123Z` -> `2026-11-28 10:00:09 UTC`; anything else unchanged. */
function formatTimestamp(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** Calibration percentile p in (0, 1] as words: `max`, `99.9th percentile`. */
function percentileText(p: number): string {
  return p === 1 ? 'max' : `${Number((100 * p).toFixed(3))}th percentile`;
}

function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter((s) => s.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f6f8fa; --accent: #4e79a7; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #eef1f4; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 28px 64px; background: #fff; min-height: 100vh; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 8px; letter-spacing: -0.01em; }
h2 { font-size: 1.35rem; margin: 48px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 28px 0 8px; }
code { font-family: "DejaVu Sans Mono", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em;
  background: var(--soft); padding: 1px 4px; border-radius: 4px; word-break: break-all; }
a { color: var(--accent); }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.78rem; color: var(--muted); margin: 0 0 4px; }
.description { color: var(--muted); margin: 0 0 20px; max-width: 70ch; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 20px 0 8px; }
.fact { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.fact .label { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.fact .value { font-size: 0.98rem; margin-top: 2px; overflow-wrap: anywhere; }
.fact .big { font-size: 1.6rem; font-weight: 700; color: var(--accent); }
figure.chart { margin: 28px 0; padding: 16px 16px 8px; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
figure.chart figcaption { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; margin: 8px 4px 4px; }
figure.chart .caption { color: var(--muted); font-size: 0.92rem; }
figure.chart .files { font-size: 0.8rem; color: var(--muted); white-space: nowrap; }
figure.chart .svg { overflow-x: auto; }
/* Charts fill the column (their text scales with them); a chart narrower than its natural size keeps its aspect. */
figure.chart svg { display: block; width: 100%; max-width: 980px; height: auto; margin: 0 auto; }
.table-wrap { overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 0.94rem; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 0.85rem; padding-top: 6px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; font-size: 0.85rem; text-align: right; vertical-align: bottom; line-height: 1.25; }
table.numbers td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.numbers th.name, table.numbers td.name, table.settings th.name { text-align: left; }
table.numbers td.name { white-space: normal; }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.best { font-weight: 700; }
td.na { color: var(--muted); }
tr.ann td { color: var(--muted); font-style: italic; }
tr.ann td[colspan] { text-align: center; }
.sub { color: var(--muted); font-size: 0.8rem; font-weight: normal; }
table.settings td, table.settings th { text-align: left; }
table.provenance th { text-align: left; width: 140px; color: var(--muted); font-weight: 600; }
code.hash { font-size: 0.8em; }
.note { color: var(--muted); font-size: 0.9rem; max-width: 80ch; }
.chart-note { border-left: 3px solid var(--line); padding-left: 12px; }
details { margin: 12px 0; }
summary { cursor: pointer; color: var(--accent); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow-x: auto; font-size: 0.8rem; line-height: 1.4; }
@media print { body { background: #fff; } main { padding: 0; } figure.chart { break-inside: avoid; } }
`;
