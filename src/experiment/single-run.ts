/**
 * The results file of one `msat simulate --out` run: the experiment format with a single converter, so that
 * `msat report` renders it without a second format to keep in step.
 */
import { resolve } from 'node:path';
import type { SimulationReport } from '../pipeline/index.js';
import { gitCommit, hashTree, machine, MSAT_VERSION } from './provenance.js';
import { RESULTS_FORMAT, RESULTS_VERSION, type ExperimentResults, type Provenance } from './results.js';

/** How the run was made, beside what its report says. */
export interface SingleRunContext {
  readonly command: string;
  readonly startedAt: string;
  readonly threads: number;
  readonly modelSha256: string;
  /** The folder of the simulated split (after resolving shortcuts), hashed into the provenance. */
  readonly datasetRoot: string;
  readonly every: number;
  readonly limit: number | null;
  readonly calibration: Provenance['calibration'];
}

/** One converter's run as experiment results (preset `simulate`). */
export async function singleRunResults(report: SimulationReport, context: SingleRunContext): Promise<ExperimentResults> {
  const { neuron } = report;
  const id = neuron.method === 'const' ? `const-${neuron.k}` : neuron.method;
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    preset: 'simulate',
    description: `msat simulate: ${report.method} on ${report.model}, ${report.samples} samples of ${report.data} (${report.split})`,
    T: report.T,
    annAccuracy: report.annAccuracy,
    provenance: {
      msatVersion: MSAT_VERSION,
      gitCommit: gitCommit(),
      command: context.command,
      startedAt: context.startedAt,
      finishedAt: new Date().toISOString(),
      wallSeconds: report.seconds,
      machine: machine(context.threads),
      model: { path: report.model, sha256: context.modelSha256 },
      dataset: {
        path: resolve(context.datasetRoot),
        split: report.split,
        samples: report.samples,
        every: context.every,
        limit: context.limit,
        sha256: await hashTree(context.datasetRoot),
      },
      calibration: context.calibration,
      seed: report.seed,
    },
    runs: [
      {
        converter: { id, label: report.method, neuron, confidence: report.confidence ? 'measure' : 'off' },
        report: { ...report, traces: [] },
        traces: [...report.traces],
      },
    ],
  };
}
