/**
 * Structural validation of a parsed SNN file (see `snn-file.ts`). Reports the first malformed field by its
 * JSON path, so a hand-edited or truncated file fails with a message that says where to look.
 */
import { MsatError } from '../core/index.js';
import type { SnnFile } from './snn-file.js';

/** `SnnFile.format`. */
export const SNN_FILE_FORMAT = 'msat-snn';
/** The `SnnFile.version` this msat writes and reads. */
export const SNN_FILE_VERSION = 1;

const CONVERSION_KINDS = ['spiking', 'lipool', 'analog', 'readout', 'input-analog', 'refused'];

type Obj = Record<string, unknown>;

/**
 * Checks `json` against the `SnnFile` layout and returns it typed.
 * @throws MsatError `SNN_FILE` naming `path` and the offending field.
 */
export function validateSnnFile(json: unknown, path: string): SnnFile {
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
  const arr = (v: unknown, where: string): unknown[] => (Array.isArray(v) ? v : bad(where, `must be an array, got ${describe(v)}`));
  const optStr = (o: Obj, key: string, where: string): void => {
    if (o[key] !== undefined) str(o[key], `${where}.${key}`);
  };
  const positive = (v: unknown, where: string): number => {
    const n = num(v, where);
    return n > 0 ? n : bad(where, `must be > 0 (a threshold), got ${n}`);
  };

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

  obj(doc.options, 'options');

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
  return doc as unknown as SnnFile;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}
