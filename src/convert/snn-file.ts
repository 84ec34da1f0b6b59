/**
 * The SNN file: what `msat convert --out snn.json` writes and `--snn snn.json` reads back. It records the
 * converted network as a recipe, not as weights: the model file (path + SHA-256, so a changed model is
 * detected), the calibration λ, the plan, the caller's neuron/threshold options and provenance (STYLE.md §13).
 * The simulator rebuilds the SNN from the model and this file, so λ is the only number that must round-trip;
 * it is written as the shortest decimal that reads back to the same float32.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MsatError } from '../core/index.js';
import type { DatasetSplit } from '../data/index.js';
import type { LayerKind } from '../model/index.js';
import type { Calibration } from './calibration.js';
import { describeConversion } from './coverage.js';
import type { ConversionPlan, LayerConversion } from './plan.js';
import { SNN_FILE_FORMAT, SNN_FILE_VERSION, validateSnnFile } from './snn-file-validate.js';

export { SNN_FILE_FORMAT, SNN_FILE_VERSION, validateSnnFile };

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
 * included); a file read back has plain `Record<string, unknown>` options for the caller to validate.
 */
export interface SnnFile<O extends object = Readonly<Record<string, unknown>>> {
  readonly format: typeof SNN_FILE_FORMAT;
  readonly version: typeof SNN_FILE_VERSION;
  /** The ANN the SNN is converted from; `sha256` is of the file's bytes (`sha256File`). */
  readonly model: { readonly path: string; readonly sha256: string };
  readonly calibration: CalibrationJson;
  readonly plan: PlanJson;
  /** Neuron/threshold options as the caller resolved them; opaque here, but must be plain JSON. */
  readonly options: O;
  readonly provenance: SnnFileProvenance;
}

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
 * `readSnnFile` would, so a file written here always reads back (options that are not plain JSON fail here).
 */
export async function writeSnnFile(path: string, doc: SnnFile<object>): Promise<void> {
  let text: string;
  try {
    text = JSON.stringify(doc, null, 2);
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
 * Reads and validates an SNN file.
 * @throws MsatError `SNN_FILE` naming the file and the first malformed field (or the read / JSON error).
 */
export async function readSnnFile(path: string): Promise<SnnFile> {
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
