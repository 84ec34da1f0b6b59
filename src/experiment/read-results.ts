/**
 * Reads and writes `<dir>/results.json` (`ExperimentResults`) through its schema (`resultsSchema`), so a
 * missing or damaged file is one clear line naming the file and the field, not a stack trace from the middle
 * of a chart, and a file msat writes always reads back.
 */
import { join } from 'node:path';
import { MsatError, parseJsonFile, readRegularFile, validateJson, writeFileAtomic } from '../core/index.js';
import { resultsSchema, type ExperimentResults } from './results.js';

/** Name of the results file inside a results folder. */
export const RESULTS_FILE = 'results.json';

/** Reads and validates `<dir>/results.json` (or `file`, a results file of another name in `dir`). */
export async function readResults(dir: string, file = join(dir, RESULTS_FILE)): Promise<ExperimentResults> {
  let text: string;
  try {
    text = await readRegularFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'not found (msat experiment writes it)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(e)})`;
    throw new MsatError('EXPERIMENT_RESULTS', `${file}: ${why}`, { cause: e });
  }
  return parseResults(text, file);
}

/** Parses and validates the text of a results file; `file` names it in errors. */
export function parseResults(text: string, file: string): ExperimentResults {
  return parseJsonFile({ file, code: 'EXPERIMENT_RESULTS' }, text, resultsSchema);
}

/** Throws `EXPERIMENT_RESULTS` naming the file and the first bad field; returns the results typed otherwise. */
export function validateResults(value: unknown, file: string): ExperimentResults {
  return validateJson({ file, code: 'EXPERIMENT_RESULTS' }, value, resultsSchema);
}

/**
 * Writes `results` atomically, checked by the schema first. JSON has no infinity or NaN: an unbounded γ is
 * written as "Infinity" (as in the SNN file), any other non-finite number (a correlation of constant rates) as null.
 */
export async function writeResults(path: string, results: ExperimentResults): Promise<void> {
  const text = `${JSON.stringify(results, (key, v) => (key === 'gamma' && v === Infinity ? 'Infinity' : typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`;
  validateJson({ file: path, code: 'EXPERIMENT_RESULTS', at: 'writing' }, JSON.parse(text), resultsSchema);
  await writeFileAtomic(path, text);
}
