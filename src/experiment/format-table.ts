/**
 * The experiment table (README's format): accuracy at powers of two, best, latency, SOP and energy per converter.
 * Runs with an exit rule add their accuracy with exit and mean exit step; full runs' replayed exit rules follow.
 */
import { fewestStepsAtLeast } from '../snn/index.js';
import type { ExperimentResults } from './results.js';

const TABLE_STEPS = [8, 16, 32, 64, 128, 256];

const pct = (v: number): string => (100 * v).toFixed(2);

/**
 * A Markdown table, one row per converter, preceded by the ANN line. When a run has an exit rule, two columns
 * follow the latency: its accuracy with exit and its mean exit step ("—" for runs of T steps), and its accuracy
 * columns are the accuracy with a budget of T steps. Runs with an exit sweep get a line each under the table.
 */
export function formatExperimentTable(results: ExperimentResults): string {
  const steps = TABLE_STEPS.filter((t) => t <= results.T);
  const d = results.provenance.dataset;
  const withExit = results.runs.some((r) => r.report.exit);
  const head = [
    'converter',
    ...steps.map((t) => `T=${t}`),
    'best',
    'steps to ANN−1 %',
    ...(withExit ? ['with exit', 'mean exit step'] : []),
    'SOP / sample',
    'energy / sample',
    'energy, multiply per event',
  ];
  const rows = results.runs.map(({ converter, report: r }) => [
    converter.label,
    ...steps.map((t) => pct(r.accuracyPerStep[t - 1])),
    pct(r.bestAccuracy),
    r.stepsToAnnMinus1 === null ? `never (≤ ${results.T})` : String(r.stepsToAnnMinus1),
    ...(withExit ? (r.exit ? [pct(r.exit.accuracy), r.exit.meanSteps.toFixed(1)] : ['—', '—']) : []),
    formatCount(r.sopPerStep.reduce((a, s) => a + s, 0)),
    formatJoules(r.energyPerSampleJ),
    formatJoules(r.multiplyPerEventEnergyPerSampleJ),
  ]);
  return [
    `${results.preset}: ANN ${pct(results.annAccuracy)} % on ${d.samples} test samples (every ${d.every}${d.limit ? `, first ${d.limit}` : ''}), accuracy in % at T steps`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    ...exitNotes(results),
  ].join('\n');
}

/**
 * Under the table: what an exit rule gave (its rule, median and 95th percentile) and, for each full run, early
 * exit replayed on it: the oracle and the rule with the fewest mean steps that reaches ANN − 1 %.
 */
function exitNotes(results: ExperimentResults): string[] {
  const target = results.annAccuracy - 0.01;
  const lines: string[] = [];
  for (const { converter, report: r } of results.runs) {
    if (r.exit) {
      const e = r.exit;
      lines.push(
        `- ${converter.label}: exit rule ${e.rule} gave ${pct(e.accuracy)} % after ${e.meanSteps.toFixed(1)} steps ` +
          `(median ${e.medianSteps}, 95 % by ${e.p95Steps}); its T columns are accuracies with a budget of T steps`,
      );
    } else if (r.exitSweep) {
      const { oracle, points } = r.exitSweep;
      const best = fewestStepsAtLeast(points, target);
      lines.push(
        `- ${converter.label}: oracle ${pct(oracle.accuracy)} % after ${oracle.meanSteps.toFixed(1)} steps; ` +
          (best
            ? `--exit ${best.rule} gives ${pct(best.accuracy)} % after ${best.meanSteps.toFixed(1)} steps`
            : 'no exit rule replayed reaches ANN − 1 %'),
      );
    }
  }
  if (lines.length === 0) return [];
  return [
    '',
    `Early exit, in mean time steps per sample (on runs of T steps, rules replayed offline: the fewest mean steps that reach ANN − 1 % = ${pct(target)} %):`,
    '',
    ...lines,
  ];
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

function formatJoules(j: number): string {
  if (j >= 1e-3) return `${(j * 1e3).toFixed(2)} mJ`;
  if (j >= 1e-6) return `${(j * 1e6).toFixed(2)} µJ`;
  return `${(j * 1e9).toFixed(2)} nJ`;
}
