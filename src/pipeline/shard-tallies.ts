/**
 * What one shard of a simulation (`--shard K/N`) keeps besides its report so that shards merge into exactly the
 * report of the whole run: its counts (`SimulationTallies`, as JSON), the readout record the exit sweep replays,
 * and the network's synaptic feeds (all the energy estimate needs of the network). `mergeShardReports` adds the
 * counts and computes the report again through the same functions a whole run uses (`resultOfTallies`,
 * `reportOfResult`): no average of averages.
 */
import { MsatError } from '../core/index.js';
import type { Shard } from '../data/index.js';
import {
  mergeTallies,
  parseExitRule,
  resolveExitRule,
  resultOfTallies,
  type ReadoutRecord,
  type SimulationResult,
  type SimulationTallies,
  type SynapticFeed,
} from '../snn/index.js';
import { reportOfResult, type ReportContext, type ShardTallies, type SimulationReport } from './simulation-report.js';

const base64 = (a: Int32Array | Uint16Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function decode<A extends Int32Array | Uint16Array | Float32Array>(text: string, Type: { new (b: ArrayBuffer): A; BYTES_PER_ELEMENT: number }): A {
  const bytes = Buffer.from(text, 'base64');
  // a copy: the Buffer may sit at an offset that the typed array's alignment does not allow
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Type(copy);
}

/** The JSON form of a shard's `result` (which must carry its tallies). */
export function shardTallies(
  result: SimulationResult,
  shard: Shard,
  range: { first: number; samples: number },
  total: number,
  feeds: readonly SynapticFeed[],
): ShardTallies {
  const t = result.tallies;
  if (!t) throw new MsatError('SNN_DATA', 'a sharded simulation must return its tallies');
  const neurons = new Map(result.layers.map((l) => [l.layer, l.neurons]));
  const r = result.readoutRecord;
  return {
    shard: { index: shard.index, count: shard.count },
    first: range.first,
    samples: range.samples,
    total,
    annCorrect: t.annCorrect,
    correct: [...t.correct],
    sampleSteps: t.sampleSteps,
    layers: t.layers.map((l) => ({
      layer: l.layer,
      neurons: neurons.get(l.layer)!,
      spikes: [...l.spikes],
      sin: { sin: l.sin.sin, pos: l.sin.pos, neurons: l.sin.neurons },
      correlation: { ...l.correlation },
    })),
    exitHistogram: t.exitHistogram ? [...t.exitHistogram] : null,
    readout: r ? { labels: base64(r.labels), top: base64(r.top), confidence: base64(r.confidence), margin: base64(r.margin) } : null,
    feeds: feeds.map((f) => ({ ...f, sources: [...f.sources] })),
  };
}

/** The simulator's tallies of a shard, its readout record a part starting at the shard's first position. */
function talliesOf(s: ShardTallies, T: number): SimulationTallies {
  const readout: ReadoutRecord | undefined = s.readout
    ? {
        samples: s.samples,
        steps: T,
        labels: decode(s.readout.labels, Int32Array),
        top: decode(s.readout.top, Uint16Array),
        confidence: decode(s.readout.confidence, Float32Array),
        margin: decode(s.readout.margin, Float32Array),
      }
    : undefined;
  return {
    samples: s.samples,
    annCorrect: s.annCorrect,
    correct: Float64Array.from(s.correct),
    layers: s.layers.map((l) => ({
      layer: l.layer,
      spikes: Float64Array.from(l.spikes),
      sin: { ...l.sin },
      correlation: {
        n: l.correlation.n,
        x: [...l.correlation.x],
        y: [...l.correlation.y],
        xx: [...l.correlation.xx],
        yy: [...l.correlation.yy],
        xy: [...l.correlation.xy],
      },
    })),
    traces: [],
    sampleSteps: s.sampleSteps,
    exitHistogram: s.exitHistogram ? Float64Array.from(s.exitHistogram) : undefined,
    records: readout ? [{ ...readout, first: s.first }] : [],
  };
}

/** The context every report shares that is not a count; taken from a shard's report. */
function contextOf(report: SimulationReport): ReportContext {
  return {
    model: report.model,
    data: report.data,
    split: report.split,
    neuron: report.neuron,
    encoding: report.encoding,
    seed: report.seed,
    lambdas: new Map(report.layers.map((l) => [l.layer, l.lambda])),
    confidence: report.confidence,
    coverage: report.coverage,
  };
}

/** One shard's report with its tallies. */
export interface ShardReport {
  readonly report: SimulationReport;
  readonly tallies: ShardTallies;
}

/**
 * The report of the whole run, from the reports of all its shards (any order, same converter; the caller has
 * checked that they tile the run): counts added, everything else computed from them as the whole run does.
 * `seconds` is the shards' sum.
 */
export function mergeShardReports(parts: readonly ShardReport[]): SimulationReport {
  if (parts.length === 0) throw new MsatError('SNN_DATA', 'no shards to merge');
  const sorted = [...parts].sort((a, b) => a.tallies.first - b.tallies.first);
  const head = sorted[0];
  const T = head.report.T;
  const tallies = sorted.map((p) => talliesOf(p.tallies, T)).reduce((a, b) => mergeTallies(a, b));
  const neurons = new Map(head.tallies.layers.map((l) => [l.layer, l.neurons]));
  const exitText = head.report.exit?.rule;
  const seconds = sorted.reduce((a, p) => a + p.report.seconds, 0);
  // the traces are those of the whole run's first sample: shard 0's
  const result = resultOfTallies(
    { ...tallies, traces: [...head.report.traces] },
    neurons,
    {
      exit: exitText !== undefined ? resolveExitRule(parseExitRule(exitText), T) : undefined,
      sinStep: head.report.sinStep,
      recordReadout: tallies.records.length > 0,
    },
    seconds,
  );
  return reportOfResult(contextOf(head.report), result, head.tallies.feeds, exitText);
}
