/**
 * The report's number tables: accuracy at the tabled steps, synaptic operations and energy per sample, and early
 * exit (when the results have it).
 * Each converter's name has a swatch of its chart colour; numeric cells never wrap. Captions sit under the
 * scrolling frame, not in the table, so they wrap to the page's width when the table is wider than a phone.
 */
import type { ExperimentResults } from '../experiment/index.js';
import { ENERGY_PER_AC_PJ, ENERGY_PER_MAC_PJ, fewestStepsAtLeast } from '../snn/index.js';
import { seriesColors } from './specs/colors.js';
import { formatCount, formatEnergy, runIdentities, type RunSummary } from './summary.js';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** A converter's name cell: colour swatch (as in the charts), label, and its method when the label does not say it. */
export function nameCell(label: string, color: string, sub?: string): string {
  return `<td class="name"><span class="swatch" style="background:${e(color)}" aria-hidden="true"></span>${e(label)}${sub ? `<div class="sub">${e(sub)}</div>` : ''}</td>`;
}

/** The chart colour of each run, in run order. */
export function runColors(r: ExperimentResults): string[] {
  return seriesColors(runIdentities(r.runs));
}

/** Accuracy at the tabled steps, best accuracy and latency; the best value of each column in bold. */
export function accuracyTable(r: ExperimentResults, steps: readonly number[], rows: readonly RunSummary[]): string {
  const bestOf = (values: (number | null)[], better: (a: number, b: number) => boolean) => {
    let best: number | null = null;
    for (const v of values) if (v !== null && (best === null || better(v, best))) best = v;
    return best;
  };
  const colors = runColors(r);
  const colBest = steps.map((_, i) =>
    bestOf(
      rows.map((x) => x.accuracyAt[i]),
      (a, b) => a > b,
    ),
  );
  const bestBest = bestOf(
    rows.map((x) => x.bestAccuracy),
    (a, b) => a > b,
  );
  const bestLatency = bestOf(
    rows.map((x) => x.stepsToAnnMinus1),
    (a, b) => a < b,
  );
  const cell = (v: number | null, best: number | null, text: (v: number) => string) =>
    v === null ? '<td class="na">—</td>' : `<td${v === best ? ' class="best"' : ''}>${e(text(v))}</td>`;
  const pct = (v: number) => (100 * v).toFixed(2);
  const head = `<tr><th class="name">converter</th>${steps.map((t) => `<th>T = ${t}</th>`).join('')}<th>best (at step)</th><th>steps to ANN − 1 %</th></tr>`;
  const ann = `<tr class="ann"><td class="name">ANN</td><td colspan="${steps.length}">${e(pct(r.annAccuracy))}</td><td></td><td></td></tr>`;
  const body = rows
    .map(
      (x, i) =>
        `<tr>${nameCell(x.label, colors[i], x.method.includes(x.label) ? undefined : x.method)}` +
        x.accuracyAt.map((v, j) => cell(v, colBest[j], pct)).join('') +
        `<td${x.bestAccuracy === bestBest ? ' class="best"' : ''}>${e(pct(x.bestAccuracy))} <span class="sub">(${x.bestStep})</span></td>` +
        (x.stepsToAnnMinus1 === null ? `<td class="na">not within ${x.T}</td>` : cell(x.stepsToAnnMinus1, bestLatency, String)) +
        '</tr>',
    )
    .join('\n');
  return `<div class="table-wrap"><table class="numbers">
<thead>${head}</thead>
<tbody>
${ann}
${body}
</tbody>
</table></div>
<p class="table-caption">Accuracy in % after T steps (${e(String(rows[0]?.samples ?? 0))} samples); best of each column in bold.${e(budgetCaption(r))}</p>`;
}

/** A sentence for runs with an exit rule, whose columns are accuracies with a budget of T steps; or ''. */
function budgetCaption(r: ExperimentResults): string {
  const labels = r.runs.filter((run) => run.report.exit).map((run) => run.converter.label);
  if (labels.length === 0) return '';
  return ` ${labels.join(', ')}: with an exit rule, the accuracy with a budget of T steps (a sample that exited earlier keeps its answer).`;
}

/** Synaptic operations and the two energy figures per sample, against the ANN's energy. */
export function costTable(r: ExperimentResults, rows: readonly RunSummary[]): string {
  const annJ = r.runs[0].report.annEnergyPerSampleJ;
  const colors = runColors(r);
  const Ts = [...new Set(rows.map((x) => x.T))];
  const analog = [...new Set(rows.map((x) => x.analogMacsPerStep))];
  const head =
    '<tr><th class="name">converter</th><th>SOP per step</th><th>SOP per sample</th>' +
    '<th>energy<br><span class="sub">1 AC per spike</span></th><th>energy<br><span class="sub">1 MAC per event</span></th><th>MAC per event<br><span class="sub">vs ANN</span></th></tr>';
  const body = rows
    .map(
      (x, i) =>
        `<tr>${nameCell(x.label, colors[i], Ts.length > 1 ? `over ${x.T} steps` : undefined)}` +
        `<td>${e(formatCount(x.sopPerStepMean))}</td><td>${e(formatCount(x.sopPerSample))}</td>` +
        `<td>${e(formatEnergy(x.energyPerSampleJ))}</td><td>${e(formatEnergy(x.multiplyPerEventEnergyPerSampleJ))}</td>` +
        `<td>${annJ > 0 ? e(`${(x.multiplyPerEventEnergyPerSampleJ / annJ).toFixed(2)}×`) : '—'}</td></tr>`,
    )
    .join('\n');
  const annRow =
    `<tr class="ann"><td class="name">ANN</td><td></td><td>${e(formatCount(rows[0]?.annMacs ?? 0))} MACs</td>` +
    `<td colspan="2">${e(formatEnergy(annJ))} (${ENERGY_PER_MAC_PJ} pJ per MAC)</td><td>1.00×</td></tr>`;
  return `<div class="table-wrap"><table class="numbers">
<thead>${head}</thead>
<tbody>
${annRow}
${body}
</tbody>
</table></div>
<p class="table-caption">Per sample${Ts.length === 1 ? `, over ${Ts[0]} steps` : ", over each run's T steps"}. SOP: synaptic operations (accumulates triggered by spikes);
the analog first layer adds ${e(analog.map(formatCount).join(' / '))} MACs at every step, included in both energies.</p>
<p class="note">${e(ENERGY_NOTE)}</p>`;
}

/**
 * Early exit per converter: a run with an exit rule gives its accuracy with exit and its mean, median and 95th
 * percentile exit step; a full run gives the rule replayed on it with the fewest mean steps that reaches ANN − 1 %,
 * and the oracle. Runs with neither are left out; '' when no run has either.
 */
export function exitTable(r: ExperimentResults): string {
  const colors = runColors(r);
  const target = r.annAccuracy - 0.01;
  const pct = (v: number) => (100 * v).toFixed(2);
  const steps = (v: number) => v.toFixed(1);
  const na = '<td class="na">—</td>';
  const rows = r.runs.flatMap((run, i) => {
    const { exit, exitSweep } = run.report;
    const name = nameCell(run.converter.label, colors[i]);
    if (exit) {
      return [
        `<tr>${name}<td class="rule"><code>${e(exit.rule)}</code></td><td>${e(pct(exit.accuracy))}</td><td>${e(steps(exit.meanSteps))}</td>` +
          `<td>${e(String(exit.medianSteps))}</td><td>${e(String(exit.p95Steps))}</td>${na}</tr>`,
      ];
    }
    if (!exitSweep) return [];
    const best = fewestStepsAtLeast(exitSweep.points, target);
    const oracle = `<td>${e(pct(exitSweep.oracle.accuracy))} <span class="sub">at ${e(steps(exitSweep.oracle.meanSteps))}</span></td>`;
    return [
      `<tr>${name}` +
        (best
          ? `<td class="rule"><code>${e(best.rule)}</code> <span class="sub">replayed</span></td><td>${e(pct(best.accuracy))}</td><td>${e(steps(best.meanSteps))}</td>`
          : `<td class="na">no rule replayed reaches ANN − 1 %</td>${na}${na}`) +
        `${na}${na}${oracle}</tr>`,
    ];
  });
  if (rows.length === 0) return '';
  const head =
    '<tr><th class="name">converter</th><th class="rule">exit rule</th><th>accuracy</th><th>mean steps</th><th>median</th><th>95 % by</th><th>oracle</th></tr>';
  return `<h3>Early exit</h3>
<div class="table-wrap"><table class="numbers exit">
<thead>${head}</thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
<p class="table-caption">Accuracy in % and time steps per sample when each sample stops as its exit rule says. A run with an exit rule: its accuracy
with exit, its mean and median exit step, and the step by which 95 % of the samples had exited. A run of T steps: the exit rule replayed
on its readout with the fewest mean steps that reaches ANN − 1 % (${e(pct(target))} %), and the oracle, which stops each sample once its
answer stays right up to T (accuracy at mean steps): no rule that reads only the readout so far does better in fewer steps.</p>`;
}

/** How the two energy columns are computed, in words. */
const ENERGY_NOTE =
  `The first energy column charges ${ENERGY_PER_AC_PJ} pJ per synaptic operation (one accumulate per spike), plus ${ENERGY_PER_MAC_PJ} pJ ` +
  'per multiply-accumulate of the analog first layer at every step. MSAT events carry a real value s·θ(t), so a synapse receiving one must ' +
  `multiply: the second column charges ${ENERGY_PER_MAC_PJ} pJ per event, the honest figure for MSAT.`;
