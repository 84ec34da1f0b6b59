/**
 * `msat merge`: the results files of the N shards of one run (`--shard K/N` of `msat experiment` or
 * `msat simulate --out`) as the results of the whole run. Counts are added and every rate, accuracy, SOP, energy,
 * SIN, exit and correlation figure is computed again from the sums (`mergeShardReports`), so the merged file is
 * the one the run would have written on one machine, apart from timings and the command line.
 */
import { MsatError } from '../core/index.js';
import { shardRange } from '../data/index.js';
import { mergeShardReports, type SimulationReport } from '../pipeline/index.js';
import type { ConverterRun, ExperimentResults, ShardSlice } from './results.js';
import { singleRunDescription } from './single-run.js';

/** One shard's results and the file they came from (named in errors). */
export interface ShardResults {
  readonly file: string;
  readonly results: ExperimentResults;
}

const fail = (message: string) => new MsatError('EXPERIMENT_MERGE', message);
const range = (s: { first: number; samples: number }) => `samples ${s.first}…${s.first + s.samples - 1}`;

/** What all shards of one run share: the set-up, never the slice or the timings. */
function setUp(r: ExperimentResults): Record<string, unknown> {
  const p = r.provenance;
  return {
    preset: r.preset,
    T: r.T,
    'model (SHA-256)': p.model.sha256,
    'data (SHA-256)': p.dataset.sha256,
    split: p.dataset.split,
    every: p.dataset.every,
    limit: p.dataset.limit,
    samples: p.dataset.samples,
    calibration: p.calibration,
    seed: p.seed,
    shards: p.shard?.count,
    converters: r.runs.map((run) => run.converter),
    // the converted SNN and how it ran: λ, neuron, input encoding, seed, spike confidence, exit rule, ANN coverage
    settings: r.runs.map(({ report: x }) => [
      x.neuron,
      x.encoding,
      x.seed,
      x.confidence,
      x.exit?.rule ?? null,
      x.coverage,
      x.layers.map((l) => l.lambda),
    ]),
  };
}

/**
 * The whole run's results from all its shards' (any order). `command` is recorded as the merged file's command.
 * @throws MsatError `EXPERIMENT_MERGE`, one line naming the files: a file that is not a finished shard, shards
 * that disagree on the set-up, two files with the same shard, or missing shards (their indices, to rerun alone).
 */
export function mergeShardResults(inputs: readonly ShardResults[], command: string): ExperimentResults {
  if (inputs.length === 0) throw fail('no shard results to merge');
  for (const { file, results } of inputs) {
    const s = results.provenance.shard;
    if (!s) throw fail(`${file} is not a shard's results (made without --shard K/N); merge takes the results of the shards of one run`);
    if (results.provenance.finishedAt === null)
      throw fail(
        `${file}: shard ${s.index}/${s.count} did not finish (${results.runs.length} converters done); rerun it with --shard ${s.index}/${s.count}`,
      );
    const missing = results.runs.find((run) => !run.shard);
    if (missing) throw fail(`${file}: converter ${missing.converter.id} has no shard counts; rerun shard ${s.index}/${s.count}`);
  }
  const [first] = inputs;
  const want = setUp(first.results);
  for (const { file, results } of inputs.slice(1)) {
    const have = setUp(results);
    const differs = Object.keys(want).filter((k) => JSON.stringify(have[k]) !== JSON.stringify(want[k]));
    if (differs.length > 0) {
      const what = differs.map((k) => (typeof want[k] === 'object' ? k : `${k} ${String(have[k])} there, ${String(want[k])} in ${first.file}`));
      throw fail(`${file} and ${first.file} are shards of different runs (${what.join('; ')} differ); merge the shards of one run`);
    }
  }
  const count = first.results.provenance.shard!.count;
  const total = first.results.provenance.dataset.samples;
  const byIndex = new Map<number, ShardResults>();
  for (const input of inputs) {
    const s = input.results.provenance.shard!;
    const other = byIndex.get(s.index);
    if (other) throw fail(`${other.file} and ${input.file} both hold shard ${s.index}/${count} (${range(s)}); give each shard once`);
    const expected = shardRange(total, s);
    if (expected.first !== s.first || expected.samples !== s.samples)
      throw fail(`${input.file}: shard ${s.index}/${count} covers ${range(s)}, but of ${total} samples it is ${range(expected)}`);
    byIndex.set(s.index, input);
  }
  const absent = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (absent.length > 0) {
    const list = absent.map((i) => `${i}/${count} (${range(shardRange(total, { index: i, count }))})`).join(', ');
    throw fail(`shards missing: ${list}; rerun each with --shard K/N (e.g. --shard ${absent[0]}/${count}), then merge all ${count}`);
  }
  const shards = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!.results);
  return joinShards(shards, command);
}

/** The shards (in order, complete, of one set-up) as one run. */
function joinShards(shards: readonly ExperimentResults[], command: string): ExperimentResults {
  const head = shards[0];
  const runs: ConverterRun[] = head.runs.map((run, i) => {
    const parts = shards.map((s) => {
      const r = s.runs[i];
      // the schema's report is the pipeline's as written (a NaN correlation as null): only its settings are read here
      const report = { ...r.report, traces: r.traces } as unknown as SimulationReport;
      return { report, tallies: r.shard! };
    });
    const merged = mergeShardReports(parts);
    return { converter: run.converter, report: { ...merged, traces: [] }, traces: [...merged.traces] };
  });
  const times = (key: 'startedAt' | 'finishedAt') => shards.map((s) => s.provenance[key]!).sort();
  const { shard: _slice, ...provenance } = head.provenance as typeof head.provenance & { shard?: ShardSlice };
  const last = runs[runs.length - 1].report;
  return {
    ...head,
    description: head.preset === 'simulate' ? singleRunDescription(last) : head.description,
    annAccuracy: last.annAccuracy,
    provenance: {
      ...provenance,
      command,
      startedAt: times('startedAt')[0],
      finishedAt: times('finishedAt')[shards.length - 1],
      wallSeconds: shards.reduce((a, s) => a + s.provenance.wallSeconds, 0),
    },
    runs,
  };
}
