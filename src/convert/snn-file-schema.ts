/**
 * The SNN file's one schema: `SnnFile` (what `snn-file.ts` writes) is its type, and `readSnnFile` checks a file
 * against it, its `options` included (the neuron config, normalisation and threshold source msat reads back as
 * defaults). Which converter names exist is the snn layer's to say (`METHODS`), so `options.neuron.method` is
 * checked against them in `pipeline/snn-file-defaults.ts`: `convert` does not import `snn`. Whether the layers
 * named here exist in the model is checked where the model is loaded (`pipeline/convert-model.ts`).
 */
import * as v from 'valibot';
import {
  between,
  describeValue,
  finite,
  integer,
  isoTime,
  list,
  oneOf,
  openRecord,
  pathTo,
  positive,
  record,
  sha256Hex,
  text,
  uniqueBy,
  validateJson,
  variantRecord,
  type Infer,
} from '../core/index.js';
import type { LayerKind } from '../model/index.js';

/** `SnnFile.format`. */
export const SNN_FILE_FORMAT = 'msat-snn';
/** The `SnnFile.version` this msat writes and reads. */
export const SNN_FILE_VERSION = 1;

/** p in (0, 1]. */
const percentile = () =>
  v.pipe(finite('a percentile in (0, 1]'), v.gtValue(0, 'expected a percentile in (0, 1]'), v.maxValue(1, 'expected a percentile in (0, 1]'));

const GAMMA = 'expected a number ≥ 1 (or "Infinity")';
/** γ, max spikes per step: JSON has no infinity, so unbounded γ is written as the string "Infinity". */
export const gammaSchema = v.pipe(
  v.union([v.number(), v.literal('Infinity')], GAMMA),
  v.transform((g): number => (g === 'Infinity' ? Infinity : g)),
  v.check((g) => g >= 1, GAMMA),
);

/** The six MSAT hyper-parameters, all finite; ki and C divide, so > 0. */
export const hyperParamsSchema = record({
  alpha: finite(),
  ka: finite(),
  ki: positive('a finite number > 0 (it divides)'),
  C: positive('a finite number > 0 (it divides)'),
  taump: finite(),
  taurd: finite(),
});

/**
 * `options.neuron`: the recorded converter, whole (msat has always written all five fields). A field the method
 * uses must be there, or the file would silently simulate with the default in its place: `k` is `const`'s
 * alone (θ = k·λ) and `hp` the adaptive methods', so only the one the method ignores may be left out. A file
 * with no `options.neuron` at all has no recorded converter and takes the simulator's default.
 */
const neuronSchema = v.pipe(
  record({
    /** The converter's name; `pipeline/snn-file-defaults.ts` checks it against the snn layer's `METHODS`. */
    method: text(),
    k: v.optional(positive()),
    hp: v.optional(hyperParamsSchema),
    gamma: gammaSchema,
    reset: oneOf(['soft', 'hard']),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const n = dataset.value;
    if (n.method === 'const' ? n.k !== undefined : n.hp !== undefined) return;
    const message =
      n.method === 'const'
        ? 'expected a finite number > 0 (method "const" uses it: θ = k·λ), got nothing (missing)'
        : 'expected the six MSAT hyper-parameters (every method but "const" uses them), got nothing (missing)';
    addIssue({ message, path: pathTo(n, n.method === 'const' ? 'k' : 'hp') });
  }),
);

const perChannel = () => v.pipe(list(finite()), v.minLength(1, 'expected one value, or one per channel'));
/** `options.normalization`: what reading the data needs (`ModelDataOptions`). */
const normalizationSchema = record({
  mean: v.optional(perChannel()),
  std: v.optional(perChannel()),
  vocabSize: v.optional(integer(1)),
  sequenceLength: v.optional(integer(1)),
});

/**
 * `options.thresholds`: how λ were calibrated (`calibrate`; earlier files may leave fields out, or give
 * `every: "auto"`), an SNN file they came from (`snn-file`, earlier files), or null (not known).
 */
const thresholdsSchema = v.nullable(
  v.variant(
    'kind',
    [
      variantRecord({
        kind: v.literal('calibrate'),
        samples: v.optional(integer(1)),
        every: v.optional(v.union([integer(1), v.literal('auto')], 'expected a whole number ≥ 1 or "auto"')),
        percentile: v.optional(percentile()),
        channelWise: v.optional(v.boolean('expected true or false')),
      }),
      variantRecord({ kind: v.literal('snn-file'), path: text() }),
    ],
    'expected "calibrate" or "snn-file"',
  ),
);

const CONFIDENCE = 'a confidence in [0.5, 1)';

/** `SnnFile.options`: the fields msat reads back, checked; any other field (`tune`, …) is the writer's own. */
export const snnFileOptionsSchema = openRecord({
  neuron: v.optional(neuronSchema),
  normalization: v.optional(normalizationSchema),
  thresholds: v.optional(thresholdsSchema),
  /** An early-exit rule in the CLI's form (`msat tune` chooses one); `pipeline/snn-file-defaults.ts` parses it. */
  exit: v.optional(text()),
  /**
   * The samples `msat tune` chose the exit rule on; with split `test`, every `leftOutEvery`-th test sample (the
   * evaluated ones) was left out, and an evaluation that would score the others is refused.
   */
  exitChosenOn: v.optional(
    record({
      split: oneOf(['train', 'validation', 'test']),
      leftOutEvery: v.optional(integer(2)),
      samples: integer(1),
      level: v.pipe(finite(CONFIDENCE), v.minValue(0.5, `expected ${CONFIDENCE}`), v.ltValue(1, `expected ${CONFIDENCE}`)),
    }),
  ),
});

/** One ReLU's calibration: λ is a number (layer-wise) or an array (channel-wise). */
const layerCalibrationSchema = record({
  relu: text(),
  tensor: text(),
  lambda: v.union(
    [positive('a threshold λ > 0'), v.pipe(list(positive('a threshold λ > 0')), v.minLength(1, 'expected one λ per channel'))],
    'expected λ: a number, or one per channel',
  ),
  max: finite(),
  mean: finite(),
  positiveFraction: between(0, 1, 'a fraction in [0, 1]'),
  warning: v.optional(text()),
});

const calibrationSchema = v.pipe(
  record({
    percentile: percentile(),
    method: oneOf(['linear', 'authors-rank']),
    granularity: record({ kind: oneOf(['layer', 'channel']) }),
    samples: integer(0),
    layers: v.pipe(
      list(layerCalibrationSchema),
      uniqueBy((l) => l.relu, 'relu', 'relu layer'),
    ),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const c = dataset.value;
    const channel = c.granularity.kind === 'channel';
    const i = c.layers.findIndex((l) => Array.isArray(l.lambda) !== channel);
    if (i < 0) return;
    const message = channel
      ? 'expected one λ per channel (an array): the calibration is channel-wise'
      : 'expected one λ (a number): the calibration is layer-wise';
    addIssue({ message: `${message}, got ${describeValue(c.layers[i].lambda)}`, path: pathTo(c, 'layers', i, 'lambda') });
  }),
);

/** A plan entry as recorded: what the layer became, in words too (`describeConversion`); λ live in `calibration`. */
const plannedLayerSchema = v.variant(
  'becomes',
  [
    variantRecord({
      name: text(),
      kind: v.custom<LayerKind>((k) => typeof k === 'string', 'expected a layer kind'),
      becomes: v.literal('refused'),
      description: text(),
      reason: text(),
    }),
    variantRecord({
      name: text(),
      kind: v.custom<LayerKind>((k) => typeof k === 'string', 'expected a layer kind'),
      becomes: oneOf(['spiking', 'lipool', 'analog', 'readout', 'input-analog']),
      description: text(),
    }),
  ],
  'expected one of "spiking", "lipool", "analog", "readout", "input-analog", "refused"',
);

const planSchema = v.pipe(
  record({
    layers: v.pipe(
      list(plannedLayerSchema),
      uniqueBy((l) => l.name, 'name', 'layer'),
    ),
    converted: integer(0),
    refused: integer(0),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const p = dataset.value;
    const refused = p.layers.filter((l) => l.becomes === 'refused').length;
    if (p.refused !== refused) addIssue({ message: `expected ${refused} (the refused layers listed), got ${p.refused}`, path: pathTo(p, 'refused') });
    else if (p.converted !== p.layers.length - refused) {
      addIssue({
        message: `expected ${p.layers.length - refused} (the layers listed less the refused ones), got ${p.converted}`,
        path: pathTo(p, 'converted'),
      });
    }
  }),
);

/** Where and how the file was made; `createdAt` is passed in by the caller (library code reads no clock). */
const provenanceSchema = record({
  msatVersion: text(),
  createdAt: isoTime(),
  /** The command line, when made by the CLI. */
  command: v.optional(text()),
  /** The calibration data: the first `samples` of every `every`-th sample (1 when absent) of the split. */
  dataset: v.optional(record({ path: text(), split: oneOf(['train', 'test']), samples: integer(0), every: v.optional(integer(1)) })),
});

export const snnFileSchema = record({
  format: v.literal(
    SNN_FILE_FORMAT,
    (i) => `is ${describeValue(i.input)}; this is not an msat SNN file (expected "${SNN_FILE_FORMAT}", written by msat convert --out)`,
  ),
  version: v.literal(
    SNN_FILE_VERSION,
    (i) => `is ${describeValue(i.input)}; this msat reads version ${SNN_FILE_VERSION} (convert the model again with this msat)`,
  ),
  /** The ANN the SNN is converted from; `sha256` is of the file's bytes (`sha256File`). */
  model: record({ path: text(), sha256: sha256Hex() }),
  calibration: calibrationSchema,
  plan: planSchema,
  /** Neuron/threshold options as the caller resolved them (`SnnFileOptions`), plain JSON. */
  options: snnFileOptionsSchema,
  provenance: provenanceSchema,
});

type Doc = Infer<typeof snnFileSchema>;
export type CalibrationJson = Doc['calibration'];
export type LayerCalibrationJson = CalibrationJson['layers'][number];
export type PlanJson = Doc['plan'];
export type PlannedLayerJson = PlanJson['layers'][number];
export type SnnFileProvenance = Doc['provenance'];
export type SnnFileOptions = Infer<typeof snnFileOptionsSchema>;
export type SnnFileNeuronOptions = NonNullable<SnnFileOptions['neuron']>;
export type SnnFileNormalization = NonNullable<SnnFileOptions['normalization']>;
export type SnnFileThresholds = NonNullable<SnnFileOptions['thresholds']> | null;

/**
 * The whole document. `O` is the type of `options` as the caller knows it (any object type, interfaces
 * included); a file read back has `SnnFileOptions`. Written files are checked by the same schema.
 */
export type SnnFile<O extends object = Readonly<Record<string, unknown>>> = Omit<Doc, 'options'> & { readonly options: O };

/**
 * Checks `json` against the schema and returns it typed (`gamma: "Infinity"` read as Infinity).
 * @throws MsatError `SNN_FILE` naming `path` and the first offending field.
 */
export function validateSnnFile(json: unknown, path: string): SnnFile<SnnFileOptions> {
  return validateJson({ file: path, code: 'SNN_FILE' }, json, snnFileSchema);
}
