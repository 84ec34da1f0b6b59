/**
 * The SNN file's layout (`SnnFile`; `snn-file.ts` writes and reads it) and the structural validation of a parsed
 * file, its `options` included (the neuron config, normalisation and threshold source msat reads back as
 * defaults). Reports the first malformed field by its JSON path, so a hand-edited or truncated file fails with a
 * message that says where to look. Which converter names exist is the snn layer's to say (`METHODS`), so
 * `options.neuron.method` is checked against them in `pipeline/snn-file-defaults.ts`: `convert` does not import
 * `snn`. The layout lives here, beside its validation, so that neither file imports the other.
 */
import { MsatError } from '../core/index.js';
import type { DatasetSplit } from '../data/index.js';
import type { LayerKind } from '../model/index.js';
import type { Calibration } from './calibration-result.js';
import type { LayerConversion } from './plan.js';

/** `SnnFile.format`. */
export const SNN_FILE_FORMAT = 'msat-snn';
/** The `SnnFile.version` this msat writes and reads. */
export const SNN_FILE_VERSION = 1;

const CONVERSION_KINDS = ['spiking', 'lipool', 'analog', 'readout', 'input-analog', 'refused'];

/** One ReLU's calibration in JSON: λ is a number (layer-wise) or an array (channel-wise). */
export interface LayerCalibrationJson {
  readonly relu: string;
  readonly tensor: string;
  readonly lambda: number | readonly number[];
  readonly max: number;
  readonly mean: number;
  readonly positiveFraction: number;
  readonly warning?: string;
}

/** `Calibration` in JSON. */
export interface CalibrationJson {
  readonly percentile: number;
  readonly method: Calibration['method'];
  readonly granularity: Calibration['granularity'];
  readonly samples: number;
  readonly layers: readonly LayerCalibrationJson[];
}

/** One layer of the plan as recorded: what it became, in words too. λ lives in `calibration`. */
export interface PlannedLayerJson {
  readonly name: string;
  readonly kind: LayerKind;
  readonly becomes: LayerConversion['kind'];
  /** `describeConversion` text, for people reading the file. */
  readonly description: string;
  /** Set for a refused layer. */
  readonly reason?: string;
}

/** The plan as recorded. */
export interface PlanJson {
  readonly layers: readonly PlannedLayerJson[];
  readonly converted: number;
  readonly refused: number;
}

/** Where and how the file was made. */
export interface SnnFileProvenance {
  readonly msatVersion: string;
  /** ISO 8601 time, passed in by the caller (library code reads no clock). */
  readonly createdAt: string;
  /** The command line, when made by the CLI. */
  readonly command?: string;
  /** The calibration data: the first `samples` of every `every`-th sample (1 when absent) of the split. */
  readonly dataset?: { readonly path: string; readonly split: DatasetSplit; readonly samples: number; readonly every?: number };
}

/**
 * The whole document. `O` is the type of `options` as the caller knows it (any object type, interfaces
 * included); a file read back has `SnnFileOptions`: its neuron config, normalisation and threshold source
 * checked against that schema (written files are checked by the same schema), any other field as written.
 */
export interface SnnFile<O extends object = Readonly<Record<string, unknown>>> {
  readonly format: typeof SNN_FILE_FORMAT;
  readonly version: typeof SNN_FILE_VERSION;
  /** The ANN the SNN is converted from; `sha256` is of the file's bytes (`sha256File`). */
  readonly model: { readonly path: string; readonly sha256: string };
  readonly calibration: CalibrationJson;
  readonly plan: PlanJson;
  /** Neuron/threshold options as the caller resolved them: plain JSON, `neuron`, `normalization`, `thresholds` as in `SnnFileOptions`. */
  readonly options: O;
  readonly provenance: SnnFileProvenance;
}

type Obj = Record<string, unknown>;

/** `options.neuron` as the file records it: each field optional (absent: the simulator's default). */
export interface SnnFileNeuronOptions {
  /** The converter's name; `pipeline/snn-file-defaults.ts` checks it against the snn layer's `METHODS`. */
  readonly method?: string;
  /** > 0. */
  readonly k?: number;
  /** The six MSAT hyper-parameters, all finite; ki and C divide, so > 0. */
  readonly hp?: { readonly alpha: number; readonly ka: number; readonly ki: number; readonly C: number; readonly taump: number; readonly taurd: number };
  /** >= 1; Infinity (no limit) is written as the string "Infinity" (JSON has no infinity). */
  readonly gamma?: number;
  readonly reset?: 'soft' | 'hard';
}

/** `options.normalization`: what reading the data needs (`ModelDataOptions`). */
export interface SnnFileNormalization {
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly vocabSize?: number;
  readonly sequenceLength?: number;
}

/**
 * `options.thresholds`: how λ were calibrated (`calibrate`; earlier files may leave fields out, or give
 * `every: "auto"`), an SNN file they came from (`snn-file`, earlier files), or null (not known).
 */
export type SnnFileThresholds =
  | null
  | { readonly kind: 'calibrate'; readonly samples?: number; readonly every?: number | 'auto'; readonly percentile?: number; readonly channelWise?: boolean }
  | { readonly kind: 'snn-file'; readonly path: string };

/** `SnnFile.options`: the three fields msat reads back, checked; any other field (`tune`, …) is the writer's own. */
export interface SnnFileOptions {
  readonly neuron?: SnnFileNeuronOptions;
  readonly normalization?: SnnFileNormalization;
  readonly thresholds?: SnnFileThresholds;
  readonly [field: string]: unknown;
}

/** The keys of `SnnFileNeuronOptions` and of its `hp`. */
export const SNN_FILE_NEURON_FIELDS = ['method', 'k', 'hp', 'gamma', 'reset'] as const;
export const SNN_FILE_HYPER_PARAMS = ['alpha', 'ka', 'ki', 'C', 'taump', 'taurd'] as const;
const NORMALIZATION_FIELDS = ['mean', 'std', 'vocabSize', 'sequenceLength'];

/** The checks of one file: each names `path` and the field, and throws `SNN_FILE`. */
function checker(path: string) {
  const bad = (where: string, what: string): never => {
    throw new MsatError('SNN_FILE', `${path}: ${where} ${what}`);
  };
  const obj = (v: unknown, where: string): Obj =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : bad(where, `must be an object, got ${describe(v)}`);
  const str = (v: unknown, where: string): string => (typeof v === 'string' ? v : bad(where, `must be a string, got ${describe(v)}`));
  const num = (v: unknown, where: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(where, `must be a finite number, got ${describe(v)}`);
  const count = (v: unknown, where: string): number => {
    const n = num(v, where);
    return Number.isInteger(n) && n >= 0 ? n : bad(where, `must be a non-negative integer, got ${n}`);
  };
  const positiveInt = (v: unknown, where: string): number => {
    const n = num(v, where);
    return Number.isInteger(n) && n >= 1 ? n : bad(where, `must be a positive integer, got ${n}`);
  };
  const arr = (v: unknown, where: string): unknown[] => (Array.isArray(v) ? v : bad(where, `must be an array, got ${describe(v)}`));
  const optStr = (o: Obj, key: string, where: string): void => {
    if (o[key] !== undefined) str(o[key], `${where}.${key}`);
  };
  const positive = (v: unknown, where: string): number => {
    const n = num(v, where);
    return n > 0 ? n : bad(where, `must be > 0 (a threshold), got ${n}`);
  };
  const only = (o: Obj, known: readonly string[], where: string): void => {
    for (const key of Object.keys(o)) {
      if (!known.includes(key)) bad(`${where}.${key}`, `is not a field of ${where} (known: ${known.join(', ')})`);
    }
  };
  return { bad, obj, str, num, count, positiveInt, arr, optStr, positive, only };
}

/**
 * Checks the `options` of an SNN file (`SnnFileOptions`) and returns them typed, `gamma: "Infinity"` read as
 * Infinity. Fields other than `neuron`, `normalization` and `thresholds` pass unchecked.
 * @throws MsatError `SNN_FILE` naming `path` and the field, e.g. `options.neuron.gamma`.
 */
export function validateSnnFileOptions(json: unknown, path: string): SnnFileOptions {
  const { bad, obj, str, num, positiveInt, arr, only } = checker(path);
  const options = obj(json, 'options');
  const out: Obj = { ...options };

  if (options.neuron !== undefined) {
    const n = obj(options.neuron, 'options.neuron');
    only(n, SNN_FILE_NEURON_FIELDS, 'options.neuron');
    const neuron: Obj = {};
    if (n.method !== undefined) neuron.method = str(n.method, 'options.neuron.method');
    if (n.k !== undefined) {
      const k = num(n.k, 'options.neuron.k');
      neuron.k = k > 0 ? k : bad('options.neuron.k', `must be > 0, got ${k}`);
    }
    if (n.hp !== undefined) {
      const hp = obj(n.hp, 'options.neuron.hp');
      only(hp, SNN_FILE_HYPER_PARAMS, 'options.neuron.hp');
      const values: Obj = {};
      for (const key of SNN_FILE_HYPER_PARAMS) values[key] = num(hp[key], `options.neuron.hp.${key}`);
      for (const key of ['ki', 'C']) {
        if (!((values[key] as number) > 0)) bad(`options.neuron.hp.${key}`, `must be > 0 (it divides), got ${values[key]}`);
      }
      neuron.hp = values;
    }
    if (n.gamma !== undefined) {
      const gamma = n.gamma === 'Infinity' ? Infinity : n.gamma;
      if (typeof gamma !== 'number' || !(gamma >= 1)) bad('options.neuron.gamma', `must be a number >= 1 (or "Infinity"), got ${describe(n.gamma)}`);
      neuron.gamma = gamma;
    }
    if (n.reset !== undefined) {
      neuron.reset = n.reset === 'soft' || n.reset === 'hard' ? n.reset : bad('options.neuron.reset', `must be "soft" or "hard", got ${describe(n.reset)}`);
    }
    out.neuron = neuron;
  }

  if (options.normalization !== undefined) {
    const n = obj(options.normalization, 'options.normalization');
    only(n, NORMALIZATION_FIELDS, 'options.normalization');
    const normalization: Obj = {};
    for (const key of ['mean', 'std']) {
      if (n[key] === undefined) continue;
      const where = `options.normalization.${key}`;
      const list = arr(n[key], where);
      if (list.length === 0) bad(where, 'must not be empty (one value, or one per channel)');
      normalization[key] = list.map((v, i) => num(v, `${where}[${i}]`));
    }
    for (const key of ['vocabSize', 'sequenceLength']) {
      if (n[key] !== undefined) normalization[key] = positiveInt(n[key], `options.normalization.${key}`);
    }
    out.normalization = normalization;
  }

  if (options.thresholds !== undefined && options.thresholds !== null) {
    const t = obj(options.thresholds, 'options.thresholds');
    if (t.kind === 'calibrate') {
      if (t.samples !== undefined) positiveInt(t.samples, 'options.thresholds.samples');
      if (t.every !== undefined && t.every !== 'auto') positiveInt(t.every, 'options.thresholds.every');
      if (t.percentile !== undefined) {
        const p = num(t.percentile, 'options.thresholds.percentile');
        if (!(p > 0 && p <= 1)) bad('options.thresholds.percentile', `must be in (0, 1], got ${p}`);
      }
      if (t.channelWise !== undefined && typeof t.channelWise !== 'boolean') {
        bad('options.thresholds.channelWise', `must be true or false, got ${describe(t.channelWise)}`);
      }
    } else if (t.kind === 'snn-file') {
      str(t.path, 'options.thresholds.path');
    } else {
      bad('options.thresholds.kind', `must be "calibrate" or "snn-file", got ${describe(t.kind)}`);
    }
  }
  return out as SnnFileOptions;
}

/**
 * Checks `json` against the `SnnFile` layout (`options` by `validateSnnFileOptions`) and returns it typed.
 * @throws MsatError `SNN_FILE` naming `path` and the offending field.
 */
export function validateSnnFile(json: unknown, path: string): SnnFile<SnnFileOptions> {
  const { bad, obj, str, num, count, arr, optStr, positive } = checker(path);

  const doc = obj(json, 'the document');
  if (doc.format !== SNN_FILE_FORMAT) {
    bad('format', `is ${describe(doc.format)}; this is not an msat SNN file (expected "${SNN_FILE_FORMAT}", written by msat convert --out)`);
  }
  if (doc.version !== SNN_FILE_VERSION) {
    bad('version', `is ${describe(doc.version)}; this msat reads version ${SNN_FILE_VERSION} (convert the model again with this msat)`);
  }

  const model = obj(doc.model, 'model');
  str(model.path, 'model.path');
  if (!/^[0-9a-f]{64}$/.test(str(model.sha256, 'model.sha256'))) bad('model.sha256', 'must be 64 lowercase hex digits');

  const cal = obj(doc.calibration, 'calibration');
  const p = num(cal.percentile, 'calibration.percentile');
  if (!(p > 0 && p <= 1)) bad('calibration.percentile', `must be in (0, 1], got ${p}`);
  if (cal.method !== 'linear' && cal.method !== 'authors-rank') bad('calibration.method', `must be "linear" or "authors-rank", got ${describe(cal.method)}`);
  const granularity = obj(cal.granularity, 'calibration.granularity');
  if (granularity.kind !== 'layer' && granularity.kind !== 'channel') {
    bad('calibration.granularity.kind', `must be "layer" or "channel", got ${describe(granularity.kind)}`);
  }
  count(cal.samples, 'calibration.samples');
  arr(cal.layers, 'calibration.layers').forEach((v, i) => {
    const where = `calibration.layers[${i}]`;
    const l = obj(v, where);
    str(l.relu, `${where}.relu`);
    str(l.tensor, `${where}.tensor`);
    if (Array.isArray(l.lambda)) {
      if (granularity.kind !== 'channel') bad(`${where}.lambda`, 'is an array, but the calibration is layer-wise');
      if (l.lambda.length === 0) bad(`${where}.lambda`, 'is an empty array');
      l.lambda.forEach((x, c) => positive(x, `${where}.lambda[${c}]`));
    } else {
      if (granularity.kind === 'channel') bad(`${where}.lambda`, 'must be an array (one λ per channel): the calibration is channel-wise');
      positive(l.lambda, `${where}.lambda`);
    }
    num(l.max, `${where}.max`);
    num(l.mean, `${where}.mean`);
    num(l.positiveFraction, `${where}.positiveFraction`);
    optStr(l, 'warning', where);
  });

  const plan = obj(doc.plan, 'plan');
  arr(plan.layers, 'plan.layers').forEach((v, i) => {
    const where = `plan.layers[${i}]`;
    const l = obj(v, where);
    str(l.name, `${where}.name`);
    str(l.kind, `${where}.kind`);
    const becomes = str(l.becomes, `${where}.becomes`);
    if (!CONVERSION_KINDS.includes(becomes)) bad(`${where}.becomes`, `must be one of [${CONVERSION_KINDS.join(', ')}], got "${becomes}"`);
    str(l.description, `${where}.description`);
    if (becomes === 'refused') str(l.reason, `${where}.reason`);
  });
  count(plan.converted, 'plan.converted');
  count(plan.refused, 'plan.refused');

  const options = validateSnnFileOptions(doc.options, path);

  const prov = obj(doc.provenance, 'provenance');
  str(prov.msatVersion, 'provenance.msatVersion');
  const createdAt = str(prov.createdAt, 'provenance.createdAt');
  if (Number.isNaN(Date.parse(createdAt))) bad('provenance.createdAt', `must be an ISO 8601 time, got "${createdAt}"`);
  optStr(prov, 'command', 'provenance');
  if (prov.dataset !== undefined) {
    const ds = obj(prov.dataset, 'provenance.dataset');
    str(ds.path, 'provenance.dataset.path');
    if (ds.split !== 'train' && ds.split !== 'test') bad('provenance.dataset.split', `must be "train" or "test", got ${describe(ds.split)}`);
    count(ds.samples, 'provenance.dataset.samples');
  }
  return { ...(doc as unknown as SnnFile), options };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}
