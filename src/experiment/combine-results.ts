/**
 * Several results folders as one: runs of the same model on the same samples (e.g. `msat simulate --out` with other
 * neurons, or two experiments) side by side in one report. Only runs that measured the same thing are combined.
 */
import { basename, resolve } from 'node:path';
import { MsatError } from '../core/index.js';
import type { ConverterRun, ExperimentResults } from './results.js';

/** One results file and the folder it came from (its name tells runs with the same converter apart). */
export interface NamedResults {
  readonly dir: string;
  readonly results: ExperimentResults;
}

/**
 * The runs of every input in one results value (preset `comparison`, the first input's provenance).
 * @throws MsatError `EXPERIMENT_RESULTS` naming the folder whose model, data, samples or T differ from the first's.
 */
export function combineResults(inputs: readonly NamedResults[]): ExperimentResults {
  if (inputs.length === 0) throw new MsatError('EXPERIMENT_RESULTS', 'no results folders to combine');
  const [first] = inputs;
  const key = (r: ExperimentResults) => ({
    'model (SHA-256)': r.provenance.model.sha256,
    'data (SHA-256)': r.provenance.dataset.sha256,
    split: r.provenance.dataset.split,
    samples: r.provenance.dataset.samples,
    every: r.provenance.dataset.every,
    T: r.T,
  });
  const want = key(first.results);
  for (const { dir, results } of inputs.slice(1)) {
    const have = key(results);
    const differs = (Object.keys(want) as (keyof typeof want)[]).filter((k) => have[k] !== want[k]);
    if (differs.length > 0) {
      throw new MsatError(
        'EXPERIMENT_RESULTS',
        `${dir} cannot be compared with ${first.dir}: ${differs.map((k) => `${k} ${String(have[k])} there, ${String(want[k])} in ${first.dir}`).join('; ')}`,
      );
    }
  }
  const ids = new Set<string>();
  const runs: ConverterRun[] = [];
  for (const { dir, results } of inputs) {
    const name = basename(resolve(dir));
    for (const run of results.runs) {
      // the same converter from two folders: both stay, named by their folder
      const taken = ids.has(run.converter.id);
      const converter = taken ? { ...run.converter, id: `${run.converter.id}@${name}`, label: `${run.converter.label} (${name})` } : run.converter;
      if (ids.has(converter.id))
        throw new MsatError('EXPERIMENT_RESULTS', `${dir}: converter ${converter.id} appears twice; give folders different names`);
      ids.add(converter.id);
      runs.push({ ...run, converter });
    }
  }
  return {
    ...first.results,
    preset: 'comparison',
    description: `${runs.length} runs from ${inputs.map(({ dir }) => dir).join(', ')}; provenance of ${first.dir}`,
    runs,
  };
}
