/**
 * The experiment report as one self-contained HTML page: inline CSS and inline SVG, no scripts and no URL that
 * a browser would fetch, so it can be mailed, archived or opened offline. Order: header, the main figure, the
 * tables, the other charts, then how every number was made.
 */
import type { ExperimentResults } from '../experiment/index.js';
import { STYLE } from './html-style.js';
import { accuracyTable, costTable, escapeHtml, exitTable, nameCell, runColors } from './html-tables.js';
import { basename } from './report-figures.js';
import { formatDuration, formatPercent, summarizeRun, tableSteps } from './summary.js';

export { escapeHtml };

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

const e = escapeHtml;

/** The whole page. */
export function reportHtml(results: ExperimentResults, parts: ReportHtmlParts): string {
  const figuresDir = parts.figuresDir ?? 'figures';
  const steps = tableSteps(results.T);
  const rows = results.runs.map((run) => summarizeRun(run, steps));
  const main = parts.figures.filter((f) => f.placement === 'main');
  const detail = parts.figures.filter((f) => f.placement === 'detail');
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
${exitTable(results)}
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
${fact('ANN accuracy', `<span class="big num">${e(formatPercent(r.annAccuracy))}</span>`)}
${fact('model', `<code>${e(basename(p.model.path))}</code>`, p.model.path)}
${fact('dataset', `<code>${e(basename(p.dataset.path))}</code> · ${e(p.dataset.split)} · ${num(`${samples.toLocaleString('en-US')} samples`)}`, p.dataset.path)}
${fact('time steps', num(`T = ${runsT.map(String).join(', ')}`))}
${fact('converters', num(String(r.runs.length)))}
${fact('finished', p.finishedAt ? timestampHtml(p.finishedAt) : 'not yet (partial results)')}
</div>
</header>`;
}

/** A chart: its own title is drawn inside the SVG (so the PNG has it too); the caption says how to read it. */
function figure(f: HtmlFigure, dir: string): string {
  // Scaled up by at most a fifth on a wide screen (a small chart blown up to the full column would take a whole
  // screen) and down to at most four fifths on a phone, where a wider chart scrolls in its frame (`--w`, the
  // stylesheet): smaller, its 11–12 px text would be unreadable.
  const width = Number(/^(?:<\?xml[^>]*>\s*)?<svg[^>]*?\swidth="([\d.]+)"/.exec(f.svg)?.[1]);
  const cap = width > 0 ? ` style="max-width:${Math.round(1.2 * width)}px;--w:${Math.round(width)}px"` : '';
  return `<figure id="fig-${e(f.name)}" class="chart" aria-label="${e(f.title)}">
<div class="svg"${cap}>${stripXmlProlog(f.svg)}</div>
<figcaption><span class="caption">${e(f.caption)}</span> <span class="files"><a href="${e(`${dir}/${f.name}.svg`)}">SVG</a> · <a href="${e(`${dir}/${f.name}.png`)}">PNG</a></span></figcaption>
</figure>`;
}

/** What each converter was: neuron options, confidence, calibration, samples, time. */
function settings(r: ExperimentResults): string {
  const colors = runColors(r);
  const rows = r.runs
    .map((run, i) => {
      const c = run.converter;
      const n = c.neuron;
      const neuron = [
        n.method === 'const'
          ? `θ = ${n.k}·λ`
          : `${n.method}, hp α=${n.hp.alpha} kₐ=${n.hp.ka} kᵢ=${n.hp.ki} C=${n.hp.C} τmp=${n.hp.taump} τrd=${n.hp.taurd}`,
        `γ = ${n.gamma}`,
        `${n.reset} reset`,
        ...(run.report.exit ? [`exit ${run.report.exit.rule}`] : c.exit ? [`exit ${c.exit}`] : []),
      ].join(', ');
      const confidence = run.report.confidence
        ? Object.entries(run.report.confidence)
            .map(([l, v]) => `${l}: ${v.toFixed(3)}`)
            .join(', ')
        : c.confidence;
      return (
        `<tr>${nameCell(c.label, colors[i], c.id)}<td>${e(neuron)}</td><td>${e(confidence)}</td>` +
        `<td>${e(c.snn ? `from ${c.snn.path.split(/[\\/]/).pop()}` : percentileText(r.provenance.calibration.percentile))}</td><td>${e(run.report.encoding)}</td>` +
        `<td class="num">${e(String(run.report.samples))}</td><td class="num">${e(formatDuration(run.report.seconds))}</td></tr>`
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
<div class="table-wrap"><table class="provenance">
${row('command', `<code>${e(p.command)}</code>`)}
${row('msat', `${e(p.msatVersion)}, commit <code>${e(p.gitCommit ?? 'outside a git checkout')}</code>`)}
${row('model', `<code>${e(p.model.path)}</code><br>sha256 <code class="hash">${e(p.model.sha256)}</code>`)}
${row(
  'dataset',
  `<code>${e(d.path)}</code>, ${e(d.split)} split, ${d.samples} samples (every ${d.every}${d.limit === null ? '' : `, limit ${d.limit}`})` +
    `<br>sha256 of the split's files <code class="hash">${e(d.sha256)}</code>`,
)}
${row('calibration', e(`λ = ${percentileText(p.calibration.percentile)} of each ReLU output on ${calibrationSamplesText(p.calibration)}`))}
${row('seed', String(p.seed))}
${row('machine', e(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform} ${m.arch}`))}
${row('software', e(`Node ${m.node}, onnxruntime ${m.onnxruntime}, ${m.threads} threads`))}
${row('started', timestampHtml(p.startedAt))}
${row('finished', p.finishedAt ? timestampHtml(p.finishedAt) : 'not yet (partial results)')}
${row('wall time', num(formatDuration(p.wallSeconds)))}
</table></div>
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

/** A number (with its unit) that must not wrap. */
function num(text: string): string {
  return `<span class="num">${e(text)}</span>`;
}

/** A timestamp whose date and time may go on two lines, each of them whole. */
function timestampHtml(iso: string): string {
  return formatTimestamp(iso)
    .split(' ')
    .map((part, i, all) => (i === all.length - 1 && !/\d/.test(part) ? e(part) : num(part)))
    .join(' ');
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

/** Which training samples λ came from: the first N, or N spread over the split (every k-th). */
function calibrationSamplesText(c: { readonly samples: number; readonly every?: number }): string {
  return c.every === undefined || c.every === 1
    ? `the first ${c.samples} training samples`
    : `${c.samples} training samples, every ${c.every}th (0, ${c.every}, ${2 * c.every}, …)`;
}
