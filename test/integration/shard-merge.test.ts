/**
 * Sharded runs: `--shard K/N` as separate CLI processes (as a Slurm job array or a Kubernetes Indexed Job runs
 * them), joined by `msat merge`, give the results of the unsharded run to the last bit, timings and the command
 * line aside: `msat experiment` on the MNIST CNN, and `msat simulate --out` on the CIFAR fixture with Poisson
 * input and with spike confidence (each sample's draws follow it into its shard). Shards of different runs, a
 * shard given twice and a missing shard are refused with one line naming the files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentResults } from '../../src/experiment/index.js';
import { DATASETS, FIXTURES, runCli } from '../cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-shard-'));
const read = (dir: string): ExperimentResults => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ExperimentResults;

/** The results without what differs between any two runs of the same thing: when, how long, and the command line. */
function comparable(r: ExperimentResults): unknown {
  const { command: _c, startedAt: _s, finishedAt: _f, wallSeconds: _w, ...provenance } = r.provenance;
  return { ...r, provenance, runs: r.runs.map((run) => ({ ...run, report: { ...run.report, seconds: 0 } })) };
}

function ok(args: readonly string[]): string {
  const r = runCli(args);
  assert.equal(r.status, 0, `msat ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** Runs `args` whole into `<name>/whole` and as 3 shards into `<name>/shard-K`, merges them into `<name>/merged`. */
function wholeAndMerged(name: string, args: (out: string) => string[]): { whole: string; shards: string[]; merged: string } {
  const whole = join(tmp, name, 'whole');
  ok(args(whole));
  const shards = [0, 1, 2].map((k) => join(tmp, name, `shard-${k}`));
  // in reverse order, each its own process: nothing may depend on which shard ran first
  for (const k of [2, 1, 0]) ok([...args(shards[k]), '--shard', `${k}/3`]);
  const merged = join(tmp, name, 'merged');
  ok(['merge', merged, shards[1], join(shards[0], 'results.json'), shards[2]]);
  return { whole, shards, merged };
}

const experiment = (out: string) => ['experiment', 'mnist-cnn', '-T', '12', '--every', '400', '--converters', 'const-1,msat-sc', '--out', out];

let mnist: { whole: string; shards: string[]; merged: string };

test('msat experiment in 3 shards + msat merge = the unsharded experiment, bit for bit', () => {
  mnist = wholeAndMerged('mnist', experiment);
  const whole = read(mnist.whole);
  const merged = read(mnist.merged);
  const shards = mnist.shards.map(read);
  assert.deepEqual(
    shards.map((s) => s.provenance.shard),
    [
      { index: 0, count: 3, first: 0, samples: 8 },
      { index: 1, count: 3, first: 8, samples: 8 },
      { index: 2, count: 3, first: 16, samples: 9 },
    ],
  );
  assert.ok(shards.every((s) => s.runs.every((r) => r.report.samples < 25 && r.shard !== undefined)));
  assert.equal(merged.provenance.shard, undefined);
  assert.ok(merged.runs.every((r) => r.shard === undefined));
  assert.equal(merged.provenance.dataset.samples, 25);
  assert.ok(merged.runs.some((r) => r.report.exitSweep !== null) && merged.runs[0].traces.length > 0);
  assert.deepEqual(comparable(merged), comparable(whole));
  assert.ok(existsSync(join(mnist.merged, 'table.md')) && existsSync(join(mnist.merged, 'snn.json')));
});

test('msat report reads merged results like unsharded ones', () => {
  const out = ok(['report', mnist.merged]);
  assert.match(out, /wrote .*report\.html/);
});

const cifar = (extra: string[]) => (out: string) => [
  'simulate',
  '--model',
  join(FIXTURES, 'cifar10_small.onnx'),
  '--data',
  join(DATASETS, 'cifar10-jpeg'),
  '--every',
  '1000',
  '--calib-samples',
  '20',
  '-T',
  '8',
  '--batch',
  '4',
  ...extra,
  '--out',
  out,
];

test('msat simulate in 3 shards + merge = the unsharded run: CIFAR fixture, Poisson input', () => {
  const { whole, merged } = wholeAndMerged('cifar-poisson', cifar(['--method', 'const', '--encoding', 'poisson', '--seed', '7']));
  assert.equal(read(whole).runs[0].report.encoding, 'poisson');
  assert.deepEqual(comparable(read(merged)), comparable(read(whole)));
});

test('msat simulate in 3 shards + merge = the unsharded run: CIFAR fixture, spike confidence', () => {
  const { whole, merged } = wholeAndMerged('cifar-sc', cifar(['--method', 'msat', '--sc']));
  assert.notEqual(read(whole).runs[0].report.confidence, null);
  assert.deepEqual(comparable(read(merged)), comparable(read(whole)));
});

/** Runs `msat merge` expecting a refusal; returns its one-line message. */
function refused(out: string, inputs: string[]): string {
  const r = runCli(['merge', join(tmp, out), ...inputs]);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(!existsSync(join(tmp, out, 'results.json')), 'nothing written');
  return lines[0];
}

test('merge refuses shards of different runs, a shard given twice, and missing shards, naming them', () => {
  const [s0, s1, s2] = mnist.shards;
  // another T: a different run
  const otherT = join(tmp, 'mnist-T16', 'shard-1');
  ok([...experiment(otherT).map((a) => (a === '12' ? '16' : a === 'const-1,msat-sc' ? 'const-1' : a)), '--shard', '1/3']);
  assert.match(
    refused('bad-T', [s0, otherT, s2]),
    new RegExp(`EXPERIMENT_MERGE: .*mnist-T16/shard-1/results\\.json and .*shard-0/results\\.json are shards of different runs \\(T 16 there, 12 in`),
  );
  // another model (the CIFAR shards): model, data and more differ
  assert.match(
    refused('bad-model', [s0, join(tmp, 'cifar-poisson', 'shard-1')]),
    /EXPERIMENT_MERGE: .*cifar-poisson\/shard-1\/results\.json and .*are shards of different runs \(.*model \(SHA-256\)/,
  );
  assert.match(
    refused('twice', [s0, s1, s1, s2]),
    /EXPERIMENT_MERGE: .*shard-1\/results\.json and .*shard-1\/results\.json both hold shard 1\/3 \(samples 8…15\)/,
  );
  assert.match(
    refused('missing', [s0, s2]),
    /EXPERIMENT_MERGE: shards missing: 1\/3 \(samples 8…15\); rerun each with --shard K\/N \(e\.g\. --shard 1\/3\)/,
  );
  assert.match(refused('unsharded', [mnist.whole]), /EXPERIMENT_MERGE: .*whole\/results\.json is not a shard's results/);
});

test('--shard takes K/N with 0 ≤ K < N', () => {
  const r = runCli([...experiment(join(tmp, 'bad')), '--shard', '3/3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--shard <K\/N>.*expected K\/N with 0 ≤ K < N/);
});
