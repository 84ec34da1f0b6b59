/**
 * msat's model metadata: the `msat.*` entries of an ONNX model's `metadata_props` (string → string), declared
 * once. Each key has a TypeScript type (`ModelMetadata`), a `parse` (text → value, validating) and a `format`
 * (value → text); `readModelMetadata` and `writeModelMetadata` are the only places that turn one into the other.
 *
 * The texts are those msat has always written (the shipped models in `models/` carry them): numbers as
 * `String(n)`, lists and objects as compact JSON, names as they are. Other keys (msat's unknown ones included)
 * are left alone: reading ignores them, writing does not produce them.
 */
import { MsatError } from '../core/index.js';
import type { Network } from './network.js';

/** A JSON object as parsed (a configuration or contract whose layout belongs to the layer that wrote it). */
export type MetadataObject = Readonly<Record<string, unknown>>;

/** msat's model metadata, typed. Every key is optional: absent in the model, undefined here. */
export interface ModelMetadata {
  /** `msat.arch`: the architecture `msat train` built (`mnist-cnn`, `resnet20`, …). */
  readonly arch?: string;
  /** `msat.dataset`: the dataset folder or shortcut it trained on. */
  readonly dataset?: string;
  /** `msat.mean`: per-channel input normalisation mean (JSON array of numbers). */
  readonly mean?: readonly number[];
  /** `msat.std`: per-channel input normalisation std (JSON array of numbers). */
  readonly std?: readonly number[];
  /** `msat.accuracy`: the validation accuracy in [0, 1] at the end of training. */
  readonly accuracy?: number;
  /** `msat.classes`: the name of each output (JSON array of strings). */
  readonly classes?: readonly string[];
  /** `msat.config`: the training run's resolved configuration (JSON object; the trainer's `TrainConfig`). */
  readonly config?: MetadataObject;
  /** `msat.vocabSize`: text models, token ids of the vocabulary (a positive integer). */
  readonly vocabSize?: number;
  /** `msat.sequenceLength`: text models, tokens per sample (a positive integer). */
  readonly sequenceLength?: number;
  /** `msat.snn`: an exported SNN's contract (JSON object, `SnnOnnxContract`; Infinity written as "Infinity"). */
  readonly snn?: MetadataObject;
  /** `msat.lambdas`: an exported ANN's thresholds, relu layer → λ (a number, or one per channel). */
  readonly lambdas?: Readonly<Record<string, number | readonly number[]>>;
}

export type ModelMetadataField = keyof ModelMetadata;

/** One key of the schema. `parse` returns `MALFORMED` for a text that is not a valid value. */
interface FieldSchema<T> {
  readonly key: string;
  /** What a valid text is, for the error message ("must be …"). */
  readonly expected: string;
  readonly parse: (text: string) => T | typeof MALFORMED;
  readonly format: (value: T) => string;
}

const MALFORMED = Symbol('malformed');

type Schema = { readonly [F in ModelMetadataField]-?: FieldSchema<NonNullable<ModelMetadata[F]>> };

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return MALFORMED;
  }
}

/** `Number(text)`, but a blank text is not 0. */
function numberOf(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is MetadataObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (key: string, what: string): FieldSchema<string> => ({
  key,
  expected: `a non-empty string (${what})`,
  parse: (t) => (t.length > 0 ? t : MALFORMED),
  format: (v) => v,
});

const numberList = (key: string): FieldSchema<readonly number[]> => ({
  key,
  expected: 'a JSON array of numbers',
  parse: (t) => {
    const v = json(t);
    return Array.isArray(v) && v.length > 0 && v.every(isFinite) ? (v as number[]) : MALFORMED;
  },
  format: (v) => JSON.stringify(v),
});

const positiveInteger = (key: string): FieldSchema<number> => ({
  key,
  expected: 'a positive integer',
  parse: (t) => {
    const n = numberOf(t);
    return Number.isInteger(n) && n >= 1 ? n : MALFORMED;
  },
  format: (v) => String(v),
});

const object = (key: string, what: string, replacer?: (key: string, value: unknown) => unknown): FieldSchema<MetadataObject> => ({
  key,
  expected: `a JSON object (${what})`,
  parse: (t) => {
    const v = json(t);
    return isObject(v) ? v : MALFORMED;
  },
  format: (v) => JSON.stringify(v, replacer),
});

/** The schema, in the order `writeModelMetadata` writes the keys (the order `msat train` always used). */
export const MODEL_METADATA_SCHEMA: Schema = {
  arch: text('msat.arch', 'an architecture name'),
  dataset: text('msat.dataset', 'a dataset folder or shortcut'),
  mean: numberList('msat.mean'),
  std: numberList('msat.std'),
  accuracy: {
    key: 'msat.accuracy',
    expected: 'a number in [0, 1]',
    parse: (t) => {
      const n = numberOf(t);
      return n >= 0 && n <= 1 ? n : MALFORMED;
    },
    format: (v) => String(v),
  },
  classes: {
    key: 'msat.classes',
    expected: 'a non-empty JSON array of strings',
    parse: (t) => {
      const v = json(t);
      return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string') ? (v as string[]) : MALFORMED;
    },
    format: (v) => JSON.stringify(v),
  },
  config: object('msat.config', "the training run's configuration"),
  vocabSize: positiveInteger('msat.vocabSize'),
  sequenceLength: positiveInteger('msat.sequenceLength'),
  snn: object('msat.snn', "the exported SNN's contract", (_, v) => (v === Infinity ? 'Infinity' : v)),
  lambdas: {
    key: 'msat.lambdas',
    expected: 'a JSON object of layer name → λ (a number or an array of numbers)',
    parse: (t) => {
      const v = json(t);
      const isLambda = (l: unknown) => isFinite(l) || (Array.isArray(l) && l.length > 0 && l.every(isFinite));
      return isObject(v) && Object.values(v).every(isLambda) ? (v as Record<string, number | number[]>) : MALFORMED;
    },
    format: (v) => JSON.stringify(v),
  },
};

/** Every field, in schema order. */
export const MODEL_METADATA_FIELDS = Object.keys(MODEL_METADATA_SCHEMA) as ModelMetadataField[];

/** The metadata_props key of `field` (`mean` → `msat.mean`). */
export function modelMetadataKey(field: ModelMetadataField): string {
  return MODEL_METADATA_SCHEMA[field].key;
}

function describeText(t: string): string {
  return JSON.stringify(t.length > 80 ? `${t.slice(0, 80)}…` : t);
}

function malformed(source: string | undefined, schema: FieldSchema<unknown>, t: string): MsatError {
  return new MsatError('MODEL_METADATA', `${source ? `${source}: ` : ''}metadata ${schema.key} must be ${schema.expected}, got ${describeText(t)}`);
}

function isNetwork(from: Network | Readonly<Record<string, string>>): from is Network {
  return typeof (from as Network).metadata === 'object' && Array.isArray((from as Network).layers);
}

/**
 * The msat metadata of a network (or of a metadata record), typed: a key the model lacks is left out, a key it
 * has is parsed. `fields` limits the reading (and the validation) to the keys a caller needs, so a damaged key
 * it does not use does not stop it.
 * @param source names the model in errors; default: the network's `source` (none for a bare record).
 * @throws MsatError `MODEL_METADATA` naming the source, the key and the text, for a present but malformed key.
 */
export function readModelMetadata<F extends ModelMetadataField = ModelMetadataField>(
  from: Network | Readonly<Record<string, string>>,
  source?: string,
  fields?: readonly F[],
): Pick<ModelMetadata, F> {
  const metadata = isNetwork(from) ? from.metadata : from;
  const where = source ?? (isNetwork(from) ? from.source : undefined);
  const out: Record<string, unknown> = {};
  for (const field of fields ?? (MODEL_METADATA_FIELDS as F[])) {
    const schema = MODEL_METADATA_SCHEMA[field] as FieldSchema<unknown>;
    const t = metadata[schema.key];
    if (t === undefined) continue;
    const value = schema.parse(t);
    if (value === MALFORMED) throw malformed(where, schema, t);
    out[field] = value;
  }
  return out as Pick<ModelMetadata, F>;
}

/**
 * The metadata_props entries of `metadata` (undefined fields left out), in schema order. Each text is parsed
 * back before it is returned, so what msat writes it can read.
 * @throws MsatError `MODEL_METADATA` for a value that would not read back (NaN accuracy, an empty list, …).
 */
export function writeModelMetadata(metadata: ModelMetadata, source = 'the model being written'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of MODEL_METADATA_FIELDS) {
    const value = metadata[field];
    if (value === undefined) continue;
    const schema = MODEL_METADATA_SCHEMA[field] as FieldSchema<unknown>;
    let t: string | undefined;
    try {
      t = schema.format(value);
    } catch {
      t = undefined;
    }
    if (typeof t !== 'string' || schema.parse(t) === MALFORMED) throw malformed(source, schema, typeof t === 'string' ? t : String(value));
    out[schema.key] = t;
  }
  return out;
}

/**
 * The text encoding a model records (`msat.vocabSize`, `msat.sequenceLength`, written by `msat train` for text
 * datasets) as dataset options, so commands open the data the way the model was trained on it. Empty when the
 * metadata has neither key.
 * @throws MsatError `MODEL_METADATA` when a key is not a positive integer.
 */
export function textOptionsOfMetadata(
  from: Network | Readonly<Record<string, string>>,
  source?: string,
): { vocabSize?: number; sequenceLength?: number } {
  return { ...readModelMetadata(from, source, ['vocabSize', 'sequenceLength']) };
}
