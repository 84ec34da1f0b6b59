/**
 * The SNN file: what `msat convert --out snn.json` writes and `--snn snn.json` reads back. It records the
 * converted network as a recipe, not as weights: the model file (path + SHA-256, so a changed model is
 * detected), the calibration λ, the plan, the caller's neuron/threshold options and provenance.
 * The simulator rebuilds the SNN from the model and this file, so λ is the only number that must round-trip;
 * it is written as the shortest decimal that reads back to the same float32.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MsatError, parseJsonFile, readRegularFile, sha256File as hashFile } from '../core/index.js';
import type { Layer, Network } from '../model/index.js';
import type { Calibration } from './calibration-result.js';
import { describeConversion } from './coverage.js';
import type { ConversionPlan } from './plan.js';
import {
  SNN_FILE_FORMAT,
  SNN_FILE_VERSION,
  snnFileSchema,
  validateSnnFile,
  type CalibrationJson,
  type PlanJson,
  type SnnFile,
  type SnnFileOptions,
  type SnnFileProvenance,
} from './snn-file-schema.js';

export { SNN_FILE_FORMAT, SNN_FILE_VERSION, gammaSchema, hyperParamsSchema, snnFileSchema, validateSnnFile } from './snn-file-schema.js';
export type {
  CalibrationJson,
  LayerCalibrationJson,
  PlanJson,
  PlannedLayerJson,
  SnnFile,
  SnnFileNeuronOptions,
  SnnFileNormalization,
  SnnFileOptions,
  SnnFileProvenance,
  SnnFileThresholds,
} from './snn-file-schema.js';

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
    layers: plan.layers.map((l): PlanJson['layers'][number] => {
      const description = describeConversion(l);
      return l.becomes.kind === 'refused'
        ? { name: l.name, kind: l.layerKind, becomes: 'refused', description, reason: l.becomes.reason }
        : { name: l.name, kind: l.layerKind, becomes: l.becomes.kind, description };
    }),
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
 * `readSnnFile` would (the same schema), so a file written here always reads back:
 * options that are not plain JSON, or a neuron config or normalisation out of the schema, fail here. An
 * unbounded γ (`options.neuron.gamma` Infinity) is written as "Infinity".
 */
export async function writeSnnFile(path: string, doc: SnnFile<object>): Promise<void> {
  const neuron = (doc.options as { neuron?: unknown }).neuron;
  let text: string;
  try {
    text = JSON.stringify(
      doc,
      function (this: unknown, key: string, value: unknown) {
        return key === 'gamma' && value === Infinity && this === neuron ? 'Infinity' : value;
      },
      2,
    );
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
    text = await readRegularFile(path, 'utf8');
  } catch (e) {
    throw fileError(path, `cannot read the SNN file: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  return parseJsonFile({ file: path, code: 'SNN_FILE', expected: 'expected an SNN file written by msat convert --out' }, text, snnFileSchema);
}

/**
 * Checks that every layer `file` names exists in `network` (the batch-norm folded model it was converted from)
 * exactly once and of the kind recorded: the schema cannot know the model, and planning would only warn about a
 * λ for a layer that is not there.
 * @throws MsatError `SNN_FILE` naming `path` and the entry.
 */
export function checkSnnFileLayers(file: SnnFile<object>, network: Network, path: string): void {
  const byName = new Map<string, Layer[]>();
  for (const layer of network.layers) byName.set(layer.name, [...(byName.get(layer.name) ?? []), layer]);
  const check = (where: string, name: string, kind: string) => {
    const found = byName.get(name) ?? [];
    const why =
      found.length === 0
        ? `no layer "${name}" in ${network.source}`
        : found.length > 1
          ? `${found.length} layers are named "${name}" in ${network.source}`
          : found[0].kind !== kind
            ? `"${name}" is a ${found[0].kind} layer in ${network.source}, not ${kind}`
            : undefined;
    if (why) throw new MsatError('SNN_FILE', `${path}: ${where}: ${why}; the file belongs to another model (convert this one again)`);
  };
  file.calibration.layers.forEach((l, i) => check(`calibration.layers[${i}].relu`, l.relu, 'relu'));
  file.plan.layers.forEach((l, i) => check(`plan.layers[${i}].name`, l.name, l.kind));
}

/** SHA-256 of a model or SNN file (`CONVERT_IO` when it cannot be read). */
export function sha256File(path: string): Promise<string> {
  return hashFile(path, 'CONVERT_IO');
}
