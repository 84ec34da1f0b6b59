/**
 * Mutants of every JSON format msat reads, and what reading them must do: return (the mutant is still a valid file)
 * or throw one `MsatError` of the format's codes whose single-line message names the file (or, for a checkpoint, the
 * weights file beside it). Anything else
 * (another exception, a message without the file, a multi-line message) is a failure. Used by
 * test/unit/fuzz-files.test.ts (a few hundred seeded cases in `npm test`) and scripts/fuzz.ts (`npm run fuzz`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { isMsatError, type MsatErrorCode } from '../../src/core/index.js';
import { readSnnFile } from '../../src/convert/index.js';
import { readResults, RESULTS_FILE, writeResults, type ExperimentResults } from '../../src/experiment/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/index.js';
import { TrialLog } from '../../src/tune/index.js';

/** A format: how to write its seed into a folder, and how msat reads a file of it. */
interface Format {
  readonly name: string;
  /** The codes a refusal may carry (a trial log of another configuration is a resume mismatch, not damage). */
  readonly codes: readonly MsatErrorCode[];
  /** JSON lines (one document per line) rather than one document. */
  readonly jsonLines?: boolean;
  /** Writes a valid file under `dir`; returns its path. */
  seed(dir: string): Promise<string>;
  /** Reads the file at `path` as msat does. */
  read(path: string): Promise<unknown>;
}

const ROOT = join(import.meta.dirname, '..', '..');
const NEURON = { method: 'msat', k: 1, hp: { alpha: 0.03, ka: 1, ki: 1, C: 5, taump: 1, taurd: 1 }, gamma: 1, reset: 'soft' } as const;

function results(): ExperimentResults {
  const T = 4;
  const report = {
    model: 'm.onnx',
    data: 'd',
    split: 'test',
    samples: 10,
    T,
    method: 'MSAT DTT+DET',
    neuron: NEURON,
    encoding: 'direct',
    seed: 0,
    annAccuracy: 0.9,
    accuracyPerStep: [0.1, 0.5, 0.8, 0.9],
    bestAccuracy: 0.9,
    stepsToAnnMinus1: 4,
    stepsToAnnMinus05: null,
    firingRates: { relu1: 0.1 },
    layers: [{ layer: 'relu1', neurons: 4, lambda: 2, firingRate: 0.1, sinRatio: 0, sin: 0, pos: 3, rateCorrelation: 0.9 }],
    sinStep: 4,
    confidence: null,
    sopPerStep: [1, 2, 3, 4],
    analogMacsPerStep: 10,
    annMacs: 100,
    energyPerSampleJ: 1e-9,
    multiplyPerEventEnergyPerSampleJ: 2e-9,
    annEnergyPerSampleJ: 3e-9,
    energyNote: 'n',
    coverage: 'c',
    traces: [],
    exit: null,
    exitSweep: {
      oracle: { accuracy: 0.9, meanSteps: 2.2 },
      points: [
        { family: 'confidence', rule: 'confidence:0.9', accuracy: 0.8, meanSteps: 2.5 },
        { family: 'stable', rule: 'stable:2', accuracy: 0.6, meanSteps: 2.1 },
      ],
      front: [
        { family: 'stable', rule: 'stable:2', accuracy: 0.6, meanSteps: 2.1 },
        { family: 'confidence', rule: 'confidence:0.9', accuracy: 0.8, meanSteps: 2.5 },
      ],
    },
    seconds: 1,
  };
  const exit = {
    rule: 'confidence:0.9,max:4',
    accuracy: 0.8,
    meanSteps: 2.5,
    medianSteps: 2,
    p95Steps: 4,
    computedSteps: 4,
    histogram: [0, 1, 5, 2, 2],
  };
  const provenance = {
    msatVersion: '0.1.0',
    gitCommit: null,
    command: 'msat',
    startedAt: '2026-12-06T00:00:00.000Z',
    finishedAt: null,
    wallSeconds: 1,
    machine: { platform: 'linux', arch: 'x64', cpu: 'c', cores: 2, memoryGiB: 1, node: 'v20', onnxruntime: '1', threads: 0 },
    model: { path: 'm.onnx', sha256: 'a'.repeat(64) },
    dataset: { path: 'd', split: 'test', samples: 10, every: 1, limit: null, sha256: 'b'.repeat(64) },
    calibration: { samples: 200, percentile: 1 },
    seed: 0,
  };
  const trace = { layer: 'relu1', neuron: 3, annActivation: 0.5, membrane: [0, 1, 2, 3], threshold: [1, 1, 1, 1], spikes: [0, 1, 0, 1] };
  return {
    format: 'msat-experiment',
    version: 1,
    preset: 'p',
    description: 'd',
    T,
    annAccuracy: 0.9,
    provenance,
    runs: [
      { converter: { id: 'msat', label: 'MSAT', neuron: NEURON, confidence: 'off' }, report, traces: [trace] },
      {
        converter: { id: 'msat-exit', label: 'MSAT + exit', neuron: NEURON, confidence: 'off', exit: 'confidence:0.9' },
        report: { ...report, exit, exitSweep: null },
        traces: [],
      },
    ],
  } as unknown as ExperimentResults;
}

export const FORMATS: readonly Format[] = [
  {
    name: 'SNN file',
    codes: ['SNN_FILE'],
    async seed(dir) {
      const path = join(dir, 'tuned.snn.json');
      writeFileSync(path, readFileSync(join(ROOT, 'models', 'mnist-cnn.tuned.snn.json')));
      return path;
    },
    read: (path) => readSnnFile(path),
  },
  {
    name: 'results',
    codes: ['EXPERIMENT_RESULTS'],
    async seed(dir) {
      await writeResults(join(dir, RESULTS_FILE), results());
      return join(dir, RESULTS_FILE);
    },
    read: (path) => readResults(join(path, '..')),
  },
  {
    name: 'trial log',
    codes: ['TUNE_LOG', 'TUNE_RESUME_MISMATCH'],
    jsonLines: true,
    async seed(dir) {
      const path = join(dir, 'trials.jsonl');
      const log = await TrialLog.open(path, { seed: 1, T: 3 });
      for (let i = 0; i < 3; i++) {
        await log.append({ candidate: `lhs-${i}`, from: 0, to: 8, tallies: { samples: 8, annCorrect: 7, correct: [1, 5, 7] }, seconds: 0.5 });
      }
      await log.close();
      return path;
    },
    async read(path) {
      const log = await TrialLog.open(path, { seed: 1, T: 3 }, { steps: () => 3 });
      await log.close();
      return log.resumed;
    },
  },
  {
    name: 'checkpoint header',
    codes: ['TRAIN_CHECKPOINT'],
    seed: (dir) =>
      saveCheckpoint(
        join(dir, 'checkpoint.json'),
        { epoch: 2, step: 20, rng: { seed: 9, epoch: 2, scheme: 'derived-per-epoch' }, config: { x: 1 }, history: [] },
        new Map([['w', Float32Array.of(1, 2, 3)]]),
        new Map([['w', [3]]]),
      ),
    read: (path) => loadCheckpoint(path),
  },
];

/** One mutation of a file's text. */
export type Mutation =
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'duplicate-key'; readonly at: number }
  | { readonly kind: 'truncate'; readonly fraction: number }
  | { readonly kind: 'byte'; readonly fraction: number; readonly byte: number };

/** Values a hand edit or damage may leave: wrong types, non-finite and out-of-range numbers, empty containers. */
const values = fc.oneof(
  fc.constantFrom(null, true, false, '', 'bogus', 0, -1, 1e308, -1e-308, 2.5, 255, 1e9, [], {}, [1, 2], { a: 1 }),
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.string({ maxLength: 8 }),
);

export const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: values }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-key' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('byte' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }), byte: fc.integer({ min: 0, max: 255 }) }),
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every value position in `doc` (its container and key), depth first. */
function positions(doc: Json): { parent: Json[] | { [k: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
  const walk = (v: Json) => {
    const entries: [string | number, Json][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : v !== null && typeof v === 'object'
        ? Object.entries(v)
        : [];
    for (const [key, x] of entries) {
      out.push({ parent: v as Json[] | { [k: string]: Json }, key });
      walk(x);
    }
  };
  walk(doc);
  return out;
}

/** `text` (one JSON document, or JSON lines) with `m` applied; JSON lines mutate one line. */
export function mutate(text: string, m: Mutation, jsonLines = false): string {
  if (m.kind === 'truncate') return text.slice(0, Math.floor(m.fraction * text.length));
  if (m.kind === 'byte') {
    const bytes = Buffer.from(text, 'utf8');
    bytes[Math.min(bytes.length - 1, Math.floor(m.fraction * bytes.length))] = m.byte;
    return bytes.toString('latin1');
  }
  const lines = jsonLines ? text.split('\n').filter((l) => l !== '') : [text];
  const line = jsonLines ? m.at % lines.length : 0;
  const doc = JSON.parse(lines[line]) as Json;
  const all = positions(doc);
  if (all.length === 0) return text;
  const { parent, key } = all[m.at % all.length];
  let out: string;
  if (m.kind === 'duplicate-key') {
    if (Array.isArray(parent)) return text;
    const serialised = JSON.stringify(doc);
    const name = JSON.stringify(key);
    const i = serialised.indexOf(`${name}:`);
    out = i < 0 ? serialised : `${serialised.slice(0, i)}${name}:0,${serialised.slice(i)}`;
  } else {
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else {
      (parent as Record<string, unknown>)[key as string] = m.value;
    }
    out = JSON.stringify(doc);
  }
  if (!jsonLines) return out;
  lines[line] = out;
  return `${lines.join('\n')}\n`;
}

/** What reading one mutant did. */
export type Outcome = 'accepted' | 'refused';

/**
 * Writes the mutant over the seed at `path`, reads it, and returns the outcome; throws (fails the property) for
 * anything but a value or a one-line `MsatError` of `format.code` naming `path`.
 */
export async function readMutant(format: Format, path: string, seedText: string, m: Mutation): Promise<Outcome> {
  const text = mutate(seedText, m, format.jsonLines);
  writeFileSync(path, m.kind === 'byte' ? Buffer.from(text, 'latin1') : text);
  try {
    await format.read(path);
    return 'accepted';
  } catch (e) {
    if (!isMsatError(e)) throw new Error(`${format.name}: ${describe(m)} gave a ${e instanceof Error ? e.name : typeof e}: ${String(e)}`);
    if (!format.codes.includes(e.code))
      throw new Error(`${format.name}: ${describe(m)} gave code ${e.code}, expected ${format.codes.join(' or ')}: ${e.message}`);
    if (!e.message.includes(dirname(path)) || e.message.includes('\n'))
      throw new Error(`${format.name}: ${describe(m)}: the message must be one line naming the file: ${e.message}`);
    return 'refused';
  }
}

function describe(m: Mutation): string {
  return JSON.stringify(m, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** Runs `cases` seeded mutants per format; returns the outcome counts per format and mutation kind. */
export async function fuzzFormats(dir: string, cases: number, seed = 0): Promise<Map<string, Map<string, Record<Outcome, number>>>> {
  const table = new Map<string, Map<string, Record<Outcome, number>>>();
  for (const [i, format] of FORMATS.entries()) {
    const folder = join(dir, `format-${i}`);
    mkdirSync(folder, { recursive: true });
    const path = await format.seed(folder);
    const seedText = readFileSync(path, 'utf8');
    const counts = new Map<string, Record<Outcome, number>>();
    table.set(format.name, counts);
    await fc.assert(
      fc.asyncProperty(mutations, async (m) => {
        const outcome = await readMutant(format, path, seedText, m);
        const row = counts.get(m.kind) ?? { accepted: 0, refused: 0 };
        row[outcome]++;
        counts.set(m.kind, row);
      }),
      { numRuns: cases, seed: seed + i, endOnFailure: true },
    );
  }
  return table;
}
