/**
 * The results file of `msat experiment` (`<out>/results.json`): one preset's converters simulated on the same
 * weights and data, with the provenance that lets anyone tell how each number was made. `msat report` reads
 * it; `msat experiment` rewrites it atomically after each converter so an interrupted run resumes.
 *
 * `resultsSchema` is the file's one declaration: `ExperimentResults` is its type, `readResults` checks a file
 * against it, and `writeResults` checks what it writes. The charts draw every entry, so besides types it
 * checks what they rely on: one entry per step, accuracies as fractions, one run per converter.
 */
import * as v from 'valibot';
import {
  between,
  finite,
  integer,
  isoTime,
  lenientRecord,
  list,
  oneOf,
  pathTo,
  record,
  sha256Hex,
  text,
  uniqueBy,
  type Infer,
} from '../core/index.js';
import { gammaSchema, hyperParamsSchema } from '../convert/index.js';
import { METHODS, parseExitRule, type Method } from '../snn/index.js';

export const RESULTS_FORMAT = 'msat-experiment';
export const RESULTS_VERSION = 1;

const fraction = () => between(0, 1, 'an accuracy in [0, 1]');
const nonNegative = () => v.pipe(finite('a finite number ≥ 0'), v.minValue(0, 'expected a finite number ≥ 0'));
const count = () => integer(1);

export const neuronConfigSchema = record({
  method: oneOf(METHODS as readonly [Method, ...Method[]]),
  k: v.pipe(finite(), v.gtValue(0, 'expected a finite number > 0')),
  hp: hyperParamsSchema,
  gamma: gammaSchema,
  reset: oneOf(['soft', 'hard']),
});

const traceSchema = record({
  layer: text(),
  /** Flat index of the neuron within the layer's output of one sample. */
  neuron: integer(0),
  annActivation: finite(),
  membrane: list(finite()),
  threshold: list(finite()),
  spikes: list(finite()),
});
export type NeuronTrace = Infer<typeof traceSchema>;

/** An exit rule in its command-line form (`formatExitRule`), e.g. `confidence:0.99,min:2`: it must parse back. */
const exitRuleText = () =>
  v.pipe(
    text(),
    v.check((s) => {
      try {
        parseExitRule(s);
        return true;
      } catch {
        return false;
      }
    }, 'expected an exit rule of key:value pairs (e.g. "confidence:0.99,min:2"; keys confidence, margin, stable, mode, min, max, decay)'),
  );
const steps = () => nonNegative();

/** `SimulationReport.exit`: how a run with an exit rule stopped. Steps must also lie within T (`checkSteps`). */
const exitReportSchema = lenientRecord({
  rule: exitRuleText(),
  /** Accuracy with exit (= `accuracyPerStep` at T). */
  accuracy: fraction(),
  meanSteps: steps(),
  medianSteps: steps(),
  p95Steps: steps(),
  computedSteps: steps(),
  /** Samples that exited after t steps (index t, length T + 1), summing to the run's samples. */
  histogram: list(integer(0)),
});

const exitPointSchema = lenientRecord({ family: text(), rule: exitRuleText(), accuracy: fraction(), meanSteps: steps() });

/** `SimulationReport.exitSweep`: exit rules replayed on a full-length run, their Pareto front and the oracle. */
const exitSweepSchema = lenientRecord({
  oracle: lenientRecord({ accuracy: fraction(), meanSteps: steps() }),
  points: list(exitPointSchema),
  front: list(exitPointSchema),
});

/** `SimulationReport` as stored (its traces are kept in the run). NaN (a correlation of constant rates) is null. */
const reportSchema = lenientRecord({
  model: text(),
  data: text(),
  split: oneOf(['train', 'test']),
  samples: count(),
  T: count(),
  method: text(),
  neuron: neuronConfigSchema,
  encoding: oneOf(['direct', 'poisson']),
  seed: finite(),
  annAccuracy: fraction(),
  accuracyPerStep: list(fraction()),
  bestAccuracy: fraction(),
  stepsToAnnMinus1: v.nullable(count()),
  stepsToAnnMinus05: v.nullable(count()),
  firingRates: v.record(text(), nonNegative(), 'expected an object'),
  layers: v.pipe(
    list(
      lenientRecord({
        layer: text(),
        neurons: integer(0),
        lambda: v.union([finite(), list(finite())], 'expected λ: a number, or one per channel'),
        firingRate: nonNegative(),
        sinRatio: between(0, 1, 'a ratio in [0, 1]'),
        sin: nonNegative(),
        pos: nonNegative(),
        rateCorrelation: v.nullable(finite()),
      }),
    ),
    uniqueBy((l) => l.layer, 'layer', 'layer'),
  ),
  sinStep: integer(0),
  confidence: v.nullable(v.record(text(), finite(), 'expected null or an object of finite numbers')),
  sopPerStep: list(nonNegative()),
  analogMacsPerStep: nonNegative(),
  annMacs: nonNegative(),
  energyPerSampleJ: nonNegative(),
  multiplyPerEventEnergyPerSampleJ: nonNegative(),
  annEnergyPerSampleJ: nonNegative(),
  energyNote: text(),
  coverage: text(),
  traces: list(traceSchema),
  /** Optional in files written before early exit: absent means none. */
  exit: v.optional(v.nullable(exitReportSchema), null),
  exitSweep: v.optional(v.nullable(exitSweepSchema), null),
  seconds: nonNegative(),
});

/** How one converter turns the ANN into an SNN. */
const converterSchema = record({
  /** Stable key, e.g. `const-1`, `const-0.5`, `dtt`, `det`, `msat`, `msat-sc`, `tuned`. */
  id: text(),
  /** For tables and legends, e.g. `θ = λ`, `DTT+DET + SC`. */
  label: text(),
  neuron: neuronConfigSchema,
  confidence: oneOf(['off', 'measure']),
  /** The SNN file whose thresholds this converter uses instead of the experiment's `snn.json` (a tuned one). */
  snn: v.optional(record({ path: text(), sha256: sha256Hex() })),
  /** The exit rule this converter runs with (command-line form), e.g. for `tuned-exit`; absent: every sample runs T steps. */
  exit: v.optional(exitRuleText()),
});

/** Which slice of the run a shard's result covers: shard `index` of `count` (0-based), positions [first, first + samples). */
const shardSchema = record({ index: integer(0), count: count(), first: integer(0), samples: count() });

const base64 = () => v.pipe(text(), v.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'));
const exactSum = () => list(finite());

/** `ShardTallies`: a shard's counts, from which `msat merge` computes the whole run's report (only in a shard's results). */
const shardTalliesSchema = record({
  shard: record({ index: integer(0), count: count() }),
  first: integer(0),
  samples: count(),
  total: count(),
  annCorrect: integer(0),
  correct: list(integer(0)),
  sampleSteps: integer(0),
  layers: list(
    record({
      layer: text(),
      neurons: integer(0),
      spikes: list(nonNegative()),
      sin: record({ sin: integer(0), pos: integer(0), neurons: integer(0) }),
      correlation: record({ n: integer(0), x: exactSum(), y: exactSum(), xx: exactSum(), yy: exactSum(), xy: exactSum() }),
    }),
  ),
  exitHistogram: v.nullable(list(integer(0))),
  readout: v.nullable(record({ labels: base64(), top: base64(), confidence: base64(), margin: base64() })),
  feeds: list(record({ layer: text(), macs: nonNegative(), analog: v.boolean('expected true or false'), sources: list(text()) })),
});

const runSchema = record({
  converter: converterSchema,
  report: reportSchema,
  /** Optional in files written before the simulator recorded traces: absent means none. */
  traces: v.optional(list(traceSchema), []),
  /** Only in a shard's results (`--shard`): its counts for `msat merge`. */
  shard: v.optional(shardTalliesSchema),
});

/** Where, when and from what a result was made. */
const provenanceSchema = record({
  msatVersion: text(),
  /** `git rev-parse HEAD` of the msat checkout (with `-dirty` when it has changes), null outside a checkout. */
  gitCommit: v.nullable(text()),
  command: text(),
  startedAt: isoTime(),
  finishedAt: v.nullable(isoTime()),
  /** Seconds spent computing, summed over resumed runs. */
  wallSeconds: nonNegative(),
  machine: record({
    platform: text(),
    arch: text(),
    cpu: text(),
    cores: integer(0),
    memoryGiB: nonNegative(),
    node: text(),
    onnxruntime: text(),
    threads: integer(0),
  }),
  model: record({ path: text(), sha256: sha256Hex() }),
  /** The simulated data; `sha256` is `hashTree` of the split's files. */
  dataset: record({ path: text(), split: text(), samples: integer(0), every: count(), limit: v.nullable(integer(0)), sha256: sha256Hex() }),
  /** λ calibration: the first `samples` of every `every`-th training sample (1 when absent), percentile p. */
  calibration: record({
    samples: integer(0),
    percentile: v.pipe(finite(), v.gtValue(0, 'expected a percentile in (0, 1]'), v.maxValue(1, 'expected a percentile in (0, 1]')),
    every: v.optional(count()),
  }),
  seed: finite(),
  /** Only in a shard's results (`--shard K/N`): the slice of `dataset.samples` it covers; `msat merge` joins the shards. */
  shard: v.optional(shardSchema),
});

type AddIssue = (info: { message: string; path: ReturnType<typeof pathTo> }) => void;
interface Outcome {
  readonly meanSteps: number;
}
interface Stepped {
  readonly T: number;
  readonly runs: readonly {
    readonly report: {
      readonly T: number;
      readonly samples: number;
      readonly accuracyPerStep: readonly number[];
      readonly sopPerStep: readonly number[];
      readonly exit:
        | (Outcome & {
            readonly medianSteps: number;
            readonly p95Steps: number;
            readonly computedSteps: number;
            readonly histogram: readonly number[];
          })
        | null;
      readonly exitSweep: { readonly oracle: Outcome; readonly points: readonly Outcome[]; readonly front: readonly Outcome[] } | null;
    };
    readonly traces: readonly NeuronTrace[];
  }[];
}

/** Runs must agree with the experiment's T, entry for entry; exit steps lie within it. */
function checkSteps(doc: Stepped, addIssue: AddIssue): void {
  for (const [i, run] of doc.runs.entries()) {
    const r = run.report;
    if (r.T !== doc.T)
      return addIssue({ message: `expected the experiment's T (${doc.T}), got ${r.T}`, path: pathTo(doc, 'runs', i, 'report', 'T') });
    const perStep = `expected ${doc.T} entries, one per step (runs[${i}].report.T = ${doc.T})`;
    for (const key of ['accuracyPerStep', 'sopPerStep'] as const) {
      if (r[key].length !== doc.T) return addIssue({ message: `${perStep}, got ${r[key].length}`, path: pathTo(doc, 'runs', i, 'report', key) });
    }
    // with an exit rule the traced sample stops at its exit: its traces may end before T, all three together
    for (const [j, trace] of run.traces.entries()) {
      const length = r.exit ? trace.membrane.length : doc.T;
      if (r.exit && (length < 1 || length > doc.T)) {
        const message = `expected 1 to ${doc.T} entries, one per step until the traced sample exited (runs[${i}].report.T = ${doc.T}), got ${length}`;
        return addIssue({ message, path: pathTo(doc, 'runs', i, 'traces', j, 'membrane') });
      }
      for (const key of ['membrane', 'threshold', 'spikes'] as const) {
        if (trace[key].length !== length) {
          const message = r.exit
            ? `expected ${length} entries, as many as membrane, got ${trace[key].length}`
            : `${perStep}, got ${trace[key].length}`;
          return addIssue({ message, path: pathTo(doc, 'runs', i, 'traces', j, key) });
        }
      }
    }
    if (!checkExit(doc, i, addIssue)) return;
  }
}

/** A run's exit report and exit sweep against its T and samples; false when an issue was raised. */
function checkExit(doc: Stepped, i: number, addIssue: AddIssue): boolean {
  const r = doc.runs[i].report;
  const withinT = (value: number, ...keys: (string | number)[]) => {
    if (value <= r.T) return true;
    addIssue({ message: `expected at most T = ${r.T} steps, got ${value}`, path: pathTo(doc, 'runs', i, 'report', ...keys) });
    return false;
  };
  if (r.exit) {
    const { histogram } = r.exit;
    if (histogram.length !== r.T + 1) {
      addIssue({
        message: `expected ${r.T + 1} entries, one per exit step 0..T (runs[${i}].report.T = ${r.T}), got ${histogram.length}`,
        path: pathTo(doc, 'runs', i, 'report', 'exit', 'histogram'),
      });
      return false;
    }
    const exited = histogram.reduce((a, n) => a + n, 0);
    if (exited !== r.samples) {
      addIssue({
        message: `expected counts summing to the run's samples (${r.samples}), got ${exited}`,
        path: pathTo(doc, 'runs', i, 'report', 'exit', 'histogram'),
      });
      return false;
    }
    for (const key of ['meanSteps', 'medianSteps', 'p95Steps', 'computedSteps'] as const) if (!withinT(r.exit[key], 'exit', key)) return false;
  }
  if (r.exitSweep) {
    if (!withinT(r.exitSweep.oracle.meanSteps, 'exitSweep', 'oracle', 'meanSteps')) return false;
    for (const key of ['points', 'front'] as const)
      for (const [j, p] of r.exitSweep[key].entries()) if (!withinT(p.meanSteps, 'exitSweep', key, j, 'meanSteps')) return false;
  }
  return true;
}

export const resultsSchema = v.pipe(
  record({
    format: v.literal(
      RESULTS_FORMAT,
      (i) => `is ${JSON.stringify(i.input) ?? 'missing'}; not an msat experiment results file (expected "${RESULTS_FORMAT}")`,
    ),
    version: v.literal(
      RESULTS_VERSION,
      (i) => `results format version ${JSON.stringify(i.input) ?? 'missing'}; this msat reads version ${RESULTS_VERSION}`,
    ),
    /** Preset name, e.g. `cifar10-vgg16`. */
    preset: text(),
    description: text(),
    T: count(),
    annAccuracy: fraction(),
    provenance: provenanceSchema,
    /** In the preset's order; a resumed run appends the missing ones. */
    runs: v.pipe(
      list(runSchema),
      v.minLength(1, 'is empty; no converter has finished yet, so there is nothing to report'),
      uniqueBy((r) => r.converter.id, ['converter', 'id'], 'converter'),
    ),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed) checkSteps(dataset.value, addIssue);
  }),
);

/** The whole file. */
export type ExperimentResults = Infer<typeof resultsSchema>;
export type Provenance = ExperimentResults['provenance'];
export type ConverterRun = ExperimentResults['runs'][number];
export type ConverterSpec = ConverterRun['converter'];
export type ShardSlice = NonNullable<Provenance['shard']>;
