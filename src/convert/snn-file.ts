/**
 * The SNN file: what `msat convert --out snn.json` writes and `--snn snn.json` reads back. It records the
 * converted network as a recipe, not as weights: the model file (path + SHA-256, so a changed model is
 * detected), the calibration λ, the plan, the caller's neuron/threshold options and provenance.
 * The simulator rebuilds the SNN from the model and this file, so λ is the only number that must round-trip;
 * it is written as the shortest decimal that reads back to the same float32.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MsatError } from '../core/index.js';
import type { Calibration } from './calibration-result.js';
import { describeConversion } from './coverage.js';
import type { ConversionPlan } from './plan.js';
import {
  SNN_FILE_FORMAT, SNN_FILE_VERSION, validateSnnFile, type CalibrationJson, type PlanJson, type SnnFile, type SnnFileOptions, type SnnFileProvenance,
} from './snn-file-validate.js';

export { SNN_FILE_FORMAT, SNN_FILE_HYPER_PARAMS, SNN_FILE_NEURON_FIELDS, SNN_FILE_VERSION, validateSnnFile, validateSnnFileOptions } from './snn-file-validate.js';
export type {
  CalibrationJson, LayerCalibrationJson, PlanJson, PlannedLayerJson, SnnFile, SnnFileNeuronOptions, SnnFileNormalization, SnnFileOptions,
  SnnFileProvenance, SnnFileThresholds,
} from './snn-file-validate.js';

/** What `createSnnFile` assembles. */
export interface SnnFileParts<O extends object = Readonly<Record<string, unknown>>> {
  readonly model: SnnFile['model'];
  readonly calibration: Calibration;
  readonly plan: ConversionPlan;
  readonly options: O;
  readonly provenance: SnnFileProvenance;
}

/** The document for `parts`, with λ and the plan converted to JSON. */
export function createSnnFile<O extends object>(parts: SnnFileParts<O>): SnnFile<O> {
  return {
    format: SNN_FILE_FORMAT,
    version: SNN_FILE_VERSION,
    model: { path: parts.model.path, sha256: parts.model.sha256 },
    calibration: calibrationToJson(parts.calibration),
    plan: planToJson(parts.plan),
    options: parts.options,
    provenance: parts.provenance,
  };
}

/** The shortest decimal that reads back (via `Math.fround`) to the same float32 as `v`. */
export function shortestFloat32(v: number): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return f;
  for (let digits = 1; digits < 9; digits++) {
    const s = Number(f.toPrecision(digits));
    if (Math.fround(s) === f) return s;
  }
  return f;
}

/** `Calibration` → JSON; λ arrays become plain arrays of shortest float32 decimals. */
export function calibrationToJson(c: Calibration): CalibrationJson {
  return {
    percentile: c.percentile,
    method: c.method,
    granularity: { kind: c.granularity.kind },
    samples: c.samples,
    layers: c.layers.map((l) => ({
      relu: l.relu,
      tensor: l.tensor,
      lambda: typeof l.lambda === 'number' ? shortestFloat32(l.lambda) : Array.from(l.lambda, shortestFloat32),
      max: l.max,
      mean: l.mean,
      positiveFraction: l.positiveFraction,
      ...(l.warning !== undefined ? { warning: l.warning } : {}),
    })),
  };
}

/** JSON → `Calibration` (channel-wise λ back to `Float32Array`, exactly the values written). */
export function calibrationFromJson(c: CalibrationJson): Calibration {
  return {
    percentile: c.percentile,
    method: c.method,
    granularity: c.granularity.kind === 'channel' ? { kind: 'channel' } : { kind: 'layer' },
    samples: c.samples,
    layers: c.layers.map((l) => ({
      relu: l.relu,
      tensor: l.tensor,
      lambda: typeof l.lambda === 'number' ? l.lambda : Float32Array.from(l.lambda),
      max: l.max,
      mean: l.mean,
      positiveFraction: l.positiveFraction,
      ...(l.warning !== undefined ? { warning: l.warning } : {}),
    })),
  };
}

/** `ConversionPlan` → what the file records. */
export function planToJson(plan: ConversionPlan): PlanJson {
  return {
    layers: plan.layers.map((l) => ({
      name: l.name,
      kind: l.layerKind,
      becomes: l.becomes.kind,
      description: describeConversion(l),
      ...(l.becomes.kind === 'refused' ? { reason: l.becomes.reason } : {}),
    })),
    converted: plan.converted,
    refused: plan.refused,
  };
}

function fileError(path: string, message: string, cause?: unknown): MsatError {
  return new MsatError('SNN_FILE', `${path}: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * Writes `doc` as indented JSON, atomically: to a temporary file in the same folder, then renamed over `path`,
 * so a crash never leaves a half-written SNN file. Creates the folder if needed. The text is validated as
 * `readSnnFile` would (the options by `validateSnnFileOptions`), so a file written here always reads back:
 * options that are not plain JSON, or a neuron config or normalisation out of the schema, fail here. An
 * unbounded γ (`options.neuron.gamma` Infinity) is written as "Infinity".
 */
export async function writeSnnFile(path: string, doc: SnnFile<object>): Promise<void> {
  const neuron = (doc.options as { neuron?: unknown }).neuron;
  let text: string;
  try {
    text = JSON.stringify(doc, function (this: unknown, key: string, value: unknown) {
      return key === 'gamma' && value === Infinity && this === neuron ? 'Infinity' : value;
    }, 2);
  } catch (e) {
    throw fileError(path, `the SNN document cannot be written as JSON: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  validateSnnFile(JSON.parse(text), path);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, `${text}\n`, 'utf8');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fileError(path, `cannot write the SNN file: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/**
 * Reads and validates an SNN file, its options included (`SnnFileOptions`).
 * @throws MsatError `SNN_FILE` naming the file and the first malformed field (or the read / JSON error).
 */
export async function readSnnFile(path: string): Promise<SnnFile<SnnFileOptions>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw fileError(path, `cannot read the SNN file: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fileError(path, `not valid JSON (${e instanceof Error ? e.message : String(e)}); expected an SNN file written by msat convert --out`, e);
  }
  return validateSnnFile(json, path);
}

/** Hex SHA-256 of a file's bytes, streamed (model files can be hundreds of MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    throw new MsatError('CONVERT_IO', `${path}: cannot read the file to hash it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return hash.digest('hex');
}
