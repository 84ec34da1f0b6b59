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

/** The description of a single run's results (also of one merged from shards: its samples are then all of them). */
export function singleRunDescription(report: { method: string; model: string; samples: number; data: string; split: string }): string {
  return `msat simulate: ${report.method} on ${report.model}, ${report.samples} samples of ${report.data} (${report.split})`;
}

/** One converter's run as experiment results (preset `simulate`). */
export async function singleRunResults(report: SimulationReport, context: SingleRunContext): Promise<ExperimentResults> {
  const { neuron } = report;
  const id = neuron.method === 'const' ? `const-${neuron.k}` : neuron.method;
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    preset: 'simulate',
    description: singleRunDescription(report.shard ? { ...report, samples: report.shard.total } : report),
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
        samples: report.shard?.total ?? report.samples,
        every: context.every,
        limit: context.limit,
        sha256: await hashTree(context.datasetRoot),
      },
      calibration: context.calibration,
      seed: report.seed,
      ...(report.shard ? { shard: { ...report.shard.shard, first: report.shard.first, samples: report.shard.samples } } : {}),
    },
    runs: [
      {
        converter: { id, label: report.method, neuron, confidence: report.confidence ? 'measure' : 'off' },
        report: { ...withoutShard(report), traces: [] },
        traces: [...report.traces],
        ...(report.shard ? { shard: report.shard } : {}),
      },
    ],
  };
}

function withoutShard(report: SimulationReport): Omit<SimulationReport, 'shard'> {
  const { shard: _shard, ...rest } = report;
  return rest;
}
