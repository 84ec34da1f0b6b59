/**
 * `runExperiment`: one preset, every converter, the same weights and thresholds. The thresholds are calibrated
 * once into `<out>/snn.json`; each converter's result is added to `<out>/results.json`, rewritten atomically,
 * so an interrupted run loses at most the converter it was simulating and a rerun continues from there.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MsatError } from '../core/index.js';
import { sha256File, writeSnnFile } from '../convert/index.js';
import { openDataset, resolveDatasetShortcut, shardRange, type Shard } from '../data/index.js';
import {
  calibrationSelection,
  convertModel,
  convertedSnnFile,
  simulateModel,
  checkExitHoldout,
  snnFileDefaults,
  DEFAULT_CALIBRATION_SAMPLES,
  type CalibrationEvery,
} from '../pipeline/index.js';
import { describeMethod, DEFAULT_NEURON_CONFIG, formatExitRule, parseExitRule } from '../snn/index.js';
import type { Runner } from '../runtime/index.js';
import { findPreset, presetConverters, trainingRuns, type Preset } from './presets.js';
import { gitCommit, hashTree, machine, MSAT_VERSION } from './provenance.js';
import { readResults, RESULTS_FILE, writeResults } from './read-results.js';
import { RESULTS_FORMAT, RESULTS_VERSION, type ConverterRun, type ConverterSpec, type ExperimentResults, type Provenance } from './results.js';

/** Where shipped models live: the package's `models/` folder. */
export const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

export interface ExperimentOptions {
  readonly preset: Preset;
  /** Results folder. */
  readonly out: string;
  /** Start over: results already in `out` are replaced instead of resumed. Default false. */
  readonly fresh?: boolean;
  /** Default: the preset's model in `models/`. */
  readonly model?: string;
  /** Default: the preset's dataset. */
  readonly data?: string;
  /** Default 256. */
  readonly steps?: number;
  /** Every k-th test sample; default: the preset's. */
  readonly every?: number;
  readonly limit?: number;
  /**
   * Only this slice of the selected test samples (`shardRange`; 0 ≤ index < count). Calibration is the same in
   * every shard, so every shard converts the same SNN; `msat merge` joins the shards' results.
   */
  readonly shard?: Shard;
  readonly calibrationSamples?: number;
  /** Which N training samples λ is calibrated on (`CalibrationEvery`). Default `'auto'`. */
  readonly calibrationEvery?: CalibrationEvery;
  readonly percentile?: number;
  /** Converter ids to run (default: all of the preset's), in the preset's order. */
  readonly converters?: readonly string[];
  /** An SNN file from `msat tune` for this model: adds the converter `tuned` with its thresholds and neuron options. */
  readonly tuned?: string;
  /** Neurons per spiking layer traced on the first sample. Default 3. */
  readonly traceNeurons?: number;
  readonly batchSize?: number;
  readonly chunk?: number;
  /** Parallel simulation workers (`SimulateModelOptions.workers`). Default 1. */
  readonly workers?: number;
  readonly runner: Runner;
  /** The command line, for provenance. */
  readonly command: string;
  readonly onProgress?: (converter: ConverterSpec, stage: 'calibrate' | 'confidence' | 'simulate', done: number, total: number) => void;
  /** Called after each converter's result is on disk. */
  readonly onConverter?: (run: ConverterRun, results: ExperimentResults) => void;
}

/**
 * The preset's model path (`models/<file>` unless given) and the commands that train it with their checkpoints
 * in `checkpoints` (default: where `msat experiment --train` keeps them).
 */
export function presetModel(
  preset: Preset,
  model?: string,
  checkpoints = join('results', preset.name, 'train'),
): { path: string; trainCommand: string } {
  const path = model ?? join(MODELS_DIR, preset.model);
  const runs = trainingRuns(preset, path, checkpoints);
  return { path, trainCommand: runs.map((argv) => `msat ${argv.join(' ')}`).join(' && ') };
}

/** Runs (or resumes) the experiment; returns the complete results. */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResults> {
  const { preset, runner } = options;
  const { path: model, trainCommand } = presetModel(preset, options.model);
  if (!existsSync(model))
    throw new MsatError('EXPERIMENT_MODEL', `${model} not found; make it with: ${trainCommand} (or let the experiment train it first)`);
  const all = presetConverters(preset);
  if (options.tuned) all.push(...(await tunedConverters(preset, options.tuned, options.every ?? preset.every)));
  const wanted = options.converters ?? all.map((c) => c.id);
  for (const id of wanted) {
    if (!all.some((c) => c.id === id))
      throw new MsatError('EXPERIMENT_OPTIONS', `unknown converter "${id}"; converters: ${all.map((c) => c.id).join(', ')}`);
  }
  const converters = all.filter((c) => wanted.includes(c.id));
  const data = options.data ?? preset.data;
  const T = options.steps ?? 256;
  const every = options.every ?? preset.every;
  const requestedCalibration = { samples: options.calibrationSamples ?? DEFAULT_CALIBRATION_SAMPLES, every: options.calibrationEvery };
  const { every: calibrationEvery, samples: calibrationSamples } = await calibrationSelection(model, data, requestedCalibration);
  const calibration = {
    samples: calibrationSamples,
    percentile: options.percentile ?? 1,
    // Only when not 1, so results written before the option existed stay resumable.
    ...(calibrationEvery !== 1 ? { every: calibrationEvery } : {}),
  };
  const resultsPath = join(options.out, RESULTS_FILE);
  const snnPath = join(options.out, 'snn.json');

  const modelSha256 = await sha256File(model);
  // the folder read: a shortcut (`mnist`, `cifar10`) names where its files are, not a folder in the working directory
  const dataPath = resolveDatasetShortcut(data) ?? resolve(data);
  let results = existsSync(resultsPath) && !options.fresh ? await readResults(options.out) : undefined;
  if (results) {
    checkResumable(results, resultsPath, {
      preset: preset.name,
      T,
      modelSha256,
      data: dataPath,
      every,
      limit: options.limit ?? null,
      calibration,
      shard: options.shard ? { index: options.shard.index, count: options.shard.count } : null,
    });
  } else {
    const started = new Date().toISOString();
    const converted = await convertModel({
      model,
      data,
      thresholds: { kind: 'calibrate', ...calibration, every: calibrationEvery },
      runner,
      onProgress: (d, t) => options.onProgress?.(converters[0], 'calibrate', d, t),
    });
    await writeSnnFile(snnPath, convertedSnnFile(converted, undefined, { createdAt: started, command: options.command }));
    const dataset = await openDataset(data, { split: 'test', every, limit: options.limit, ...converted.dataOptions });
    const provenance: Provenance = {
      msatVersion: MSAT_VERSION,
      gitCommit: gitCommit(),
      command: options.command,
      startedAt: started,
      finishedAt: null,
      wallSeconds: 0,
      machine: machine(runner.options.threads),
      model: { path: model, sha256: modelSha256 },
      dataset: {
        path: dataPath,
        split: 'test',
        samples: dataset.length,
        every,
        limit: options.limit ?? null,
        sha256: await hashTree(dataset.root),
      },
      calibration,
      seed: 0,
      ...(options.shard ? { shard: { ...options.shard, ...shardRange(dataset.length, options.shard) } } : {}),
    };
    results = {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      preset: preset.name,
      description: preset.description,
      T,
      annAccuracy: NaN,
      provenance,
      runs: [],
    };
  }

  for (const converter of converters) {
    const done: ConverterRun | undefined = results.runs.find((r) => r.converter.id === converter.id);
    if (done && JSON.stringify(done.converter) === JSON.stringify(converter)) continue;
    // a converter whose definition changed (another tuned file) is simulated again
    if (done) results = { ...results, runs: results.runs.filter((r) => r !== done) };
    const started = performance.now();
    const report = await simulateModel({
      model,
      data,
      split: 'test',
      every,
      limit: options.limit,
      shard: options.shard,
      thresholds: { kind: 'snn-file', path: converter.snn?.path ?? snnPath },
      steps: T,
      neuron: converter.neuron,
      confidence: converter.confidence === 'measure' ? { kind: 'measure' } : { kind: 'off' },
      exit: converter.exit !== undefined ? parseExitRule(converter.exit) : undefined,
      traceNeurons: options.traceNeurons ?? 3,
      batchSize: options.batchSize,
      chunk: options.chunk,
      workers: options.workers,
      runner,
      onProgress: (stage, d, t) => options.onProgress?.(converter, stage, d, t),
    });
    // traces are stored once, in the run; a shard's counts beside its report
    const { shard, ...whole } = report;
    const run: ConverterRun = { converter, report: { ...whole, traces: [] }, traces: [...report.traces], ...(shard ? { shard } : {}) };
    results = {
      ...results,
      annAccuracy: report.annAccuracy,
      provenance: { ...results.provenance, wallSeconds: results.provenance.wallSeconds + (performance.now() - started) / 1000 },
      runs: [...results.runs, run].sort((a, b) => all.findIndex((c) => c.id === a.converter.id) - all.findIndex((c) => c.id === b.converter.id)),
    };
    await writeResults(resultsPath, results);
    options.onConverter?.(run, results);
  }
  if (results.provenance.finishedAt === null && converters.every((c) => results!.runs.some((r) => r.converter.id === c.id))) {
    results = { ...results, provenance: { ...results.provenance, finishedAt: new Date().toISOString() } };
    await writeResults(resultsPath, results);
  }
  return results;
}

/**
 * The `tuned` converter of a tuned SNN file (its neuron options over the preset's defaults, its thresholds),
 * and `tuned-exit`, the same with the early-exit rule the file records, if it records one.
 */
async function tunedConverters(preset: Preset, path: string, every: number): Promise<ConverterSpec[]> {
  const defaults = await snnFileDefaults(path);
  const { neuron, exit } = defaults;
  if (exit) checkExitHoldout(defaults, path, every);
  const config = { ...DEFAULT_NEURON_CONFIG, hp: preset.hp, ...neuron };
  const tuned: ConverterSpec = {
    id: 'tuned',
    label: `tuned ${describeMethod(config)}`,
    neuron: config,
    confidence: 'off',
    snn: { path: resolve(path), sha256: await sha256File(path) },
  };
  return exit ? [tuned, { ...tuned, id: 'tuned-exit', label: `${tuned.label} + exit`, exit: formatExitRule(exit) }] : [tuned];
}

/** A resumed run must be the same experiment; anything else would mix numbers from different set-ups. */
function checkResumable(
  results: ExperimentResults,
  path: string,
  want: {
    preset: string;
    T: number;
    modelSha256: string;
    data: string;
    every: number;
    limit: number | null;
    calibration: Provenance['calibration'];
    shard: Shard | null;
  },
): void {
  const p = results.provenance;
  const have = {
    preset: results.preset,
    T: results.T,
    modelSha256: p.model.sha256,
    data: p.dataset.path,
    every: p.dataset.every,
    limit: p.dataset.limit,
    calibration: p.calibration,
    shard: p.shard ? { index: p.shard.index, count: p.shard.count } : null,
  };
  const differs = (Object.keys(want) as (keyof typeof want)[]).filter((k) => JSON.stringify(have[k]) !== JSON.stringify(want[k]));
  if (differs.length > 0) {
    throw new MsatError(
      'EXPERIMENT_RESUME',
      `${path} holds results of a different set-up (${differs.map((k) => `${k}: ${JSON.stringify(have[k])} there, ${JSON.stringify(want[k])} now`).join('; ')}); use another --out or delete the folder`,
    );
  }
}

export { findPreset };
