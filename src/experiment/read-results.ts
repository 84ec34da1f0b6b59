/**
 * Reads `<dir>/results.json` (`ExperimentResults`) and checks the format, the version and every field the
 * report uses, so a missing or damaged file is one clear line naming the file and the field, not a stack trace
 * from the middle of a chart.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MsatError } from '../core/index.js';
import { RESULTS_FORMAT, RESULTS_VERSION, type ExperimentResults } from './results.js';

/** Name of the results file inside a results folder. */
export const RESULTS_FILE = 'results.json';

/** Reads and validates `<dir>/results.json`. */
export async function readResults(dir: string): Promise<ExperimentResults> {
  const file = join(dir, RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found (msat experiment writes it)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(e)})`;
    throw new MsatError('EXPERIMENT_RESULTS', `${file}: ${why}`, { cause: e });
  }
  return parseResults(text, file);
}

/** Parses and validates the text of a results file; `file` names it in errors. */
export function parseResults(text: string, file: string): ExperimentResults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MsatError('EXPERIMENT_RESULTS', `${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  validateResults(value, file);
  return value;
}

/** A field test and the words of its error message. */
interface Check {
  readonly test: (v: unknown) => boolean;
  readonly expected: string;
}
const isFiniteNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const STRING: Check = { test: (v) => typeof v === 'string', expected: 'a string' };
const NUMBER: Check = { test: isFiniteNumber, expected: 'a finite number' };
const NUMBERS: Check = { test: (v) => Array.isArray(v) && v.every(isFiniteNumber), expected: 'an array of finite numbers' };
const FRACTION: Check = { test: (v) => isFiniteNumber(v) && (v as number) >= 0 && (v as number) <= 1, expected: 'an accuracy in [0, 1]' };
const COUNT: Check = { test: (v) => Number.isInteger(v) && (v as number) >= 1, expected: 'a whole number ≥ 1' };
const NON_NEGATIVE: Check = { test: (v) => isFiniteNumber(v) && (v as number) >= 0, expected: 'a finite number ≥ 0' };
const RATIO: Check = { test: (v) => isFiniteNumber(v) && (v as number) >= 0 && (v as number) <= 1, expected: 'a ratio in [0, 1]' };
const STRING_OR_NULL: Check = { test: (v) => v === null || typeof v === 'string', expected: 'a string or null' };
const NUMBER_OR_NULL: Check = { test: (v) => v === null || isFiniteNumber(v), expected: 'a finite number or null' };
const NUMBER_MAP_OR_NULL: Check = {
  test: (v) => v === null || (isObject(v) && Object.values(v).every(isFiniteNumber)),
  expected: 'null or an object of finite numbers',
};

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** Throws `EXPERIMENT_RESULTS` naming the file and the first bad field; narrows `value` otherwise. */
export function validateResults(value: unknown, file: string): asserts value is ExperimentResults {
  const fail = (path: string, expected: string, found: unknown): never => {
    throw new MsatError('EXPERIMENT_RESULTS', `${file}: ${path}: expected ${expected}, found ${describe(found)}`);
  };
  const object = (v: unknown, path: string): Record<string, unknown> => (isObject(v) ? v : fail(path, 'an object', v));
  const fields = (o: Record<string, unknown>, path: string, spec: Record<string, Check>) => {
    for (const [key, check] of Object.entries(spec)) {
      if (!check.test(o[key])) fail(`${path}${key}`, check.expected, o[key]);
    }
  };

  const root = object(value, 'top level');
  if (root.format !== RESULTS_FORMAT) {
    throw new MsatError('EXPERIMENT_RESULTS', `${file}: not an msat experiment results file (format ${describe(root.format)}, expected "${RESULTS_FORMAT}")`);
  }
  if (root.version !== RESULTS_VERSION) {
    throw new MsatError('EXPERIMENT_RESULTS', `${file}: results format version ${describe(root.version)}; this msat reads version ${RESULTS_VERSION}`);
  }
  fields(root, '', { preset: STRING, description: STRING, T: COUNT, annAccuracy: FRACTION });

  const p = object(root.provenance, 'provenance');
  fields(p, 'provenance.', { msatVersion: STRING, gitCommit: STRING_OR_NULL, command: STRING, startedAt: STRING, finishedAt: STRING_OR_NULL, wallSeconds: NUMBER, seed: NUMBER });
  fields(object(p.machine, 'provenance.machine'), 'provenance.machine.', {
    platform: STRING, arch: STRING, cpu: STRING, cores: NUMBER, memoryGiB: NUMBER, node: STRING, onnxruntime: STRING, threads: NUMBER,
  });
  fields(object(p.model, 'provenance.model'), 'provenance.model.', { path: STRING, sha256: STRING });
  fields(object(p.dataset, 'provenance.dataset'), 'provenance.dataset.', { path: STRING, split: STRING, samples: NUMBER, every: NUMBER, limit: NUMBER_OR_NULL, sha256: STRING });
  fields(object(p.calibration, 'provenance.calibration'), 'provenance.calibration.', { samples: NUMBER, percentile: NUMBER });

  if (!Array.isArray(root.runs)) fail('runs', 'an array', root.runs);
  const runs = root.runs as unknown[];
  if (runs.length === 0) throw new MsatError('EXPERIMENT_RESULTS', `${file}: runs is empty; no converter has finished yet, so there is nothing to report`);
  runs.forEach((run, i) => {
    const at = `runs[${i}]`;
    const o = object(run, at);
    const c = object(o.converter, `${at}.converter`);
    fields(c, `${at}.converter.`, { id: STRING, label: STRING, confidence: STRING });
    const n = object(c.neuron, `${at}.converter.neuron`);
    fields(n, `${at}.converter.neuron.`, { method: STRING, k: NUMBER, gamma: NUMBER, reset: STRING });
    fields(object(n.hp, `${at}.converter.neuron.hp`), `${at}.converter.neuron.hp.`, { alpha: NUMBER, ka: NUMBER, ki: NUMBER, C: NUMBER, taump: NUMBER, taurd: NUMBER });
    const r = object(o.report, `${at}.report`);
    fields(r, `${at}.report.`, {
      samples: COUNT, T: COUNT, method: STRING, encoding: STRING, coverage: STRING, annAccuracy: FRACTION, accuracyPerStep: NUMBERS, bestAccuracy: FRACTION,
      stepsToAnnMinus1: NUMBER_OR_NULL, sinStep: NUMBER, confidence: NUMBER_MAP_OR_NULL, sopPerStep: NUMBERS, analogMacsPerStep: NUMBER, annMacs: NUMBER,
      energyPerSampleJ: NUMBER, multiplyPerEventEnergyPerSampleJ: NUMBER, annEnergyPerSampleJ: NUMBER, energyNote: STRING, seconds: NUMBER,
    });
    // The charts draw every entry: one per step, accuracies as fractions, no negative counts.
    const T = r.T as number;
    if (T !== root.T) fail(`${at}.report.T`, `the experiment's T (${root.T})`, T);
    const perStep = (key: string, check: Check) => {
      const a = r[key] as number[];
      if (a.length !== T) fail(`${at}.report.${key}`, `${T} entries, one per step (${at}.report.T = ${T})`, a.length);
      a.forEach((v, k) => check.test(v) || fail(`${at}.report.${key}[${k}]`, check.expected, v));
    };
    perStep('accuracyPerStep', FRACTION);
    perStep('sopPerStep', NON_NEGATIVE);
    if (!Array.isArray(r.layers)) fail(`${at}.report.layers`, 'an array', r.layers);
    (r.layers as unknown[]).forEach((l, j) =>
      fields(object(l, `${at}.report.layers[${j}]`), `${at}.report.layers[${j}].`, { layer: STRING, firingRate: NON_NEGATIVE, sinRatio: RATIO }),
    );
    // Traces are optional in files written before the simulator recorded them: absent means none.
    if (o.traces === undefined) o.traces = [];
    if (!Array.isArray(o.traces)) fail(`${at}.traces`, 'an array', o.traces);
    (o.traces as unknown[]).forEach((tr, j) => {
      const t = object(tr, `${at}.traces[${j}]`);
      fields(t, `${at}.traces[${j}].`, { layer: STRING, neuron: NUMBER, membrane: NUMBERS, threshold: NUMBERS, spikes: NUMBERS });
      for (const key of ['membrane', 'threshold', 'spikes']) {
        const n = (t[key] as number[]).length;
        if (n !== T) fail(`${at}.traces[${j}].${key}`, `${T} entries, one per step (${at}.report.T = ${T})`, n);
      }
    });
  });
}
