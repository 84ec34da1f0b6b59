/**
 * The results file of `msat experiment` (`<out>/results.json`): one preset's converters simulated on the same
 * weights and data, with the provenance that lets anyone tell how each number was made. `msat report` reads
 * it; `msat experiment` rewrites it atomically after each converter so an interrupted run resumes.
 */
import type { SimulationReport } from '../pipeline/index.js';
import type { NeuronConfig } from '../snn/index.js';
import type { NeuronTrace } from '../snn/index.js';

export type { NeuronTrace };

export const RESULTS_FORMAT = 'msat-experiment';
export const RESULTS_VERSION = 1;

/** Where, when and from what a result was made. */
export interface Provenance {
  readonly msatVersion: string;
  /** `git rev-parse HEAD` of the msat checkout (with `-dirty` when it has changes), null outside a checkout. */
  readonly gitCommit: string | null;
  /** The command line. */
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** Seconds spent computing, summed over resumed runs. */
  readonly wallSeconds: number;
  readonly machine: {
    readonly platform: string;
    readonly arch: string;
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly onnxruntime: string;
    readonly threads: number;
  };
  readonly model: { readonly path: string; readonly sha256: string };
  /** The simulated data; `sha256` is `hashTree` of the split's files. */
  readonly dataset: {
    readonly path: string;
    readonly split: string;
    readonly samples: number;
    readonly every: number;
    readonly limit: number | null;
    readonly sha256: string;
  };
  /** Calibration: the first `samples` training samples, λ = p-th percentile. */
  /** λ calibration: the first `samples` of every `every`-th training sample (1 when absent), percentile p. */
  readonly calibration: { readonly samples: number; readonly percentile: number; readonly every?: number };
  readonly seed: number;
}

/** How one converter turns the ANN into an SNN. */
export interface ConverterSpec {
  /** Stable key, e.g. `const-1`, `const-0.5`, `dtt`, `det`, `msat`, `msat-sc`, `tuned`. */
  readonly id: string;
  /** For tables and legends, e.g. `θ = λ`, `DTT+DET + SC`. */
  readonly label: string;
  readonly neuron: NeuronConfig;
  readonly confidence: 'off' | 'measure';
  /** The SNN file whose thresholds this converter uses instead of the experiment's `snn.json` (a tuned one). */
  readonly snn?: { readonly path: string; readonly sha256: string };
}

/** One converter's outcome. */
export interface ConverterRun {
  readonly converter: ConverterSpec;
  readonly report: SimulationReport;
  readonly traces: NeuronTrace[];
}

/** The whole file. */
export interface ExperimentResults {
  readonly format: typeof RESULTS_FORMAT;
  readonly version: typeof RESULTS_VERSION;
  /** Preset name, e.g. `cifar10-vgg16`. */
  readonly preset: string;
  readonly description: string;
  readonly T: number;
  readonly annAccuracy: number;
  readonly provenance: Provenance;
  /** In the preset's order; a resumed run appends the missing ones. */
  readonly runs: ConverterRun[];
}
