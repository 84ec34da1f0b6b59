/**
 * The numbers of the report's tables, computed from the results file: pure functions, no I/O, so the tables
 * can be checked without rendering anything.
 */
import type { ConverterRun } from '../experiment/index.js';

/** The time steps the accuracy table reports, as in the paper's tables (docs/method.md §7). */
export const TABLE_STEPS: readonly number[] = Object.freeze([8, 16, 32, 64, 128, 256]);

/** The columns of the accuracy table for a run of `T` steps: the `TABLE_STEPS` ≤ T, then T itself if it is not one. */
export function tableSteps(T: number): number[] {
  const steps = TABLE_STEPS.filter((t) => t <= T);
  if (!steps.includes(T)) steps.push(T);
  return steps;
}

/** One converter's row of the report's tables. Accuracies are fractions in [0, 1]; energies in joules. */
export interface RunSummary {
  readonly id: string;
  readonly label: string;
  readonly method: string;
  /** Accuracy after `steps[i]` steps, null where the run is shorter. */
  readonly accuracyAt: (number | null)[];
  readonly bestAccuracy: number;
  /** First step at which the best accuracy is reached. */
  readonly bestStep: number;
  readonly stepsToAnnMinus1: number | null;
  readonly T: number;
  /** Mean synaptic operations per sample per step, and their total over the run's T steps. */
  readonly sopPerStepMean: number;
  readonly sopPerSample: number;
  readonly analogMacsPerStep: number;
  readonly energyPerSampleJ: number;
  readonly multiplyPerEventEnergyPerSampleJ: number;
  readonly annEnergyPerSampleJ: number;
  /** MACs of one ANN forward pass. */
  readonly annMacs: number;
  readonly samples: number;
  readonly seconds: number;
}

/** The summary row of `run` for the accuracy columns `steps`. */
export function summarizeRun(run: ConverterRun, steps: readonly number[]): RunSummary {
  const r = run.report;
  const acc = r.accuracyPerStep;
  const best = Math.max(...acc);
  const sop = r.sopPerStep.reduce((a, b) => a + b, 0);
  return {
    id: run.converter.id,
    label: run.converter.label,
    method: r.method,
    accuracyAt: steps.map((t) => (t <= acc.length ? acc[t - 1] : null)),
    bestAccuracy: best,
    bestStep: acc.indexOf(best) + 1,
    stepsToAnnMinus1: r.stepsToAnnMinus1,
    T: acc.length,
    sopPerStepMean: r.sopPerStep.length > 0 ? sop / r.sopPerStep.length : 0,
    sopPerSample: sop,
    analogMacsPerStep: r.analogMacsPerStep,
    energyPerSampleJ: r.energyPerSampleJ,
    multiplyPerEventEnergyPerSampleJ: r.multiplyPerEventEnergyPerSampleJ,
    annEnergyPerSampleJ: r.annEnergyPerSampleJ,
    annMacs: r.annMacs,
    samples: r.samples,
    seconds: r.seconds,
  };
}

/** Legend labels of `runs`: the converter's label, with its id appended where two runs share a label. */
export function seriesLabels(runs: readonly ConverterRun[]): string[] {
  const count = new Map<string, number>();
  for (const r of runs) count.set(r.converter.label, (count.get(r.converter.label) ?? 0) + 1);
  return runs.map((r) => (count.get(r.converter.label)! > 1 ? `${r.converter.label} (${r.converter.id})` : r.converter.label));
}

/** What picks each run's colour in every chart and swatch (`specs/colors.ts`): its label, id and neuron. */
export function runIdentities(runs: readonly ConverterRun[]): { label: string; id: string; method: string; k: number }[] {
  const labels = seriesLabels(runs);
  return runs.map((r, i) => ({ label: labels[i], id: r.converter.id, method: r.converter.neuron.method, k: r.converter.neuron.k }));
}

/** `12.34 %` */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(100 * fraction).toFixed(digits)} %`;
}

/** `950`, `51.0 k`, `1.90 M`, `2.35 G`: three significant digits with an SI prefix. */
export function formatCount(n: number): string {
  const units: [number, string][] = [
    [1e9, ' G'],
    [1e6, ' M'],
    [1e3, ' k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toPrecision(3)}${unit}`;
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}

/**
 * Joules with the SI prefix that suits the value and three significant digits: `950 pJ`, `36.2 µJ`, `1.74 mJ`,
 * `2.10 J`. Every energy of the report goes through this, so tables, notes and captions agree with each other
 * and with the command line.
 */
export function formatEnergy(joules: number): string {
  if (joules === 0) return '0 J';
  if (!Number.isFinite(joules)) return `${joules} J`;
  const units: [number, string][] = [
    [1, 'J'],
    [1e-3, 'mJ'],
    [1e-6, 'µJ'],
    [1e-9, 'nJ'],
    [1e-12, 'pJ'],
  ];
  for (const [scale, unit] of units) {
    // Largest prefix first, each value rounded before the test: 999.96 µJ reads 1.00 mJ, never 1.00e+3 µJ.
    const value = Number((Math.abs(joules) / scale).toPrecision(3));
    if (value >= 1 || scale === 1e-12) return `${joules < 0 ? '-' : ''}${value >= 1000 ? value.toFixed(0) : value.toPrecision(3)} ${unit}`;
  }
  return `${joules} J`;
}

/** `42.1 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}
