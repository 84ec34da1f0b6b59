/** The experiment table (README's format): accuracy at powers of two, best, latency, SOP and energy per converter. */
import type { ExperimentResults } from './results.js';

const TABLE_STEPS = [8, 16, 32, 64, 128, 256];

const pct = (v: number): string => (100 * v).toFixed(2);

/** A Markdown table, one row per converter, preceded by the ANN line. */
export function formatExperimentTable(results: ExperimentResults): string {
  const steps = TABLE_STEPS.filter((t) => t <= results.T);
  const d = results.provenance.dataset;
  const head = [
    'converter',
    ...steps.map((t) => `T=${t}`),
    'best',
    'steps to ANN−1 %',
    'SOP / sample',
    'energy / sample',
    'energy, multiply per event',
  ];
  const rows = results.runs.map(({ converter, report: r }) => [
    converter.label,
    ...steps.map((t) => pct(r.accuracyPerStep[t - 1])),
    pct(r.bestAccuracy),
    r.stepsToAnnMinus1 === null ? `never (≤ ${results.T})` : String(r.stepsToAnnMinus1),
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
  ].join('\n');
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
