// The experiment results file (src/experiment/results.ts): what writeResults writes readResults reads back
// (γ = ∞ as "Infinity", an undefined correlation as null), writeResults refuses what could not be read, and each
// kind of damage is an EXPERIMENT_RESULTS error naming the file and the JSON path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { readResults, writeResults, RESULTS_FILE, type ExperimentResults } from '../../src/experiment/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-results-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, RESULTS_FILE);

const T = 4;
const neuron = { method: 'msat', k: 1, hp: { alpha: 0.03, ka: 1, ki: 1, C: 5, taump: 1, taurd: 1 }, gamma: 1, reset: 'soft' } as const;
const trace = { layer: 'relu1', neuron: 3, annActivation: 0.5, membrane: [0, 1, 2, 3], threshold: [1, 1, 1, 1], spikes: [0, 1, 0, 1] };
function run(id: string, gamma = 1): ExperimentResults['runs'][number] {
  return {
    converter: { id, label: id, neuron: { ...neuron, gamma }, confidence: 'off' },
    report: {
      model: 'm.onnx',
      data: 'd',
      split: 'test',
      samples: 10,
      T,
      method: 'msat',
      neuron: { ...neuron, gamma },
      encoding: 'direct',
      seed: 0,
      annAccuracy: 0.9,
      accuracyPerStep: [0.1, 0.5, 0.8, 0.9],
      bestAccuracy: 0.9,
      stepsToAnnMinus1: 4,
      stepsToAnnMinus05: null,
      firingRates: { relu1: 0.1 },
      layers: [{ layer: 'relu1', neurons: 4, lambda: 2, firingRate: 0.1, sinRatio: 0, sin: 0, pos: 3, rateCorrelation: NaN }],
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
      seconds: 1,
    },
    traces: [trace],
  };
}
const sha = 'ab'.repeat(32);
const results = (): ExperimentResults => ({
  format: 'msat-experiment',
  version: 1,
  preset: 'p',
  description: 'd',
  T,
  annAccuracy: 0.9,
  provenance: {
    msatVersion: '0.1.0',
    gitCommit: null,
    command: 'msat experiment',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: null,
    wallSeconds: 3,
    machine: { platform: 'linux', arch: 'x64', cpu: 'c', cores: 2, memoryGiB: 4, node: 'v20', onnxruntime: '1.30.0', threads: 2 },
    model: { path: 'm.onnx', sha256: sha },
    dataset: { path: 'd', split: 'test', samples: 10, every: 1, limit: null, sha256: sha },
    calibration: { samples: 200, percentile: 1 },
    seed: 0,
  },
  runs: [run('msat'), run('burst', Infinity)],
});

test('writeResults → readResults: the same results; γ = ∞ as "Infinity", NaN as null', async () => {
  await writeResults(file, results());
  const text = readFileSync(file, 'utf8');
  assert.match(text, /"gamma": "Infinity"/);
  assert.match(text, /"rateCorrelation": null/);
  const back = await readResults(dir);
  assert.equal(back.runs[1].converter.neuron.gamma, Infinity);
  assert.equal(back.runs[1].report.neuron.gamma, Infinity);
  assert.equal(back.runs[0].report.layers[0].rateCorrelation, null);
  assert.deepEqual(back, {
    ...results(),
    runs: results().runs.map((r) => ({ ...r, report: { ...r.report, layers: [{ ...r.report.layers[0], rateCorrelation: null }] } })),
  });
});

test('writeResults refuses results it could not read back', async () => {
  const bad = { ...results(), runs: [run('msat'), run('msat')] };
  await assert.rejects(
    writeResults(join(dir, 'refused.json'), bad),
    (e) => isMsatError(e) && e.code === 'EXPERIMENT_RESULTS' && /writing: runs\[1\]\.converter\.id: converter "msat" appears twice/.test(e.message),
  );
});

test('each kind of damage names the file and the path', async () => {
  const good = () => JSON.parse(JSON.stringify(results(), (k, v) => (k === 'gamma' && v === Infinity ? 'Infinity' : v)));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const cases: Array<[string, (d: any) => void, string, RegExp]> = [
    ['missing', (d) => delete d.provenance.machine.cores, 'provenance.machine.cores', /expected a whole number ≥ 0, got nothing \(missing\)/],
    ['wrong type', (d) => (d.runs[0].report.samples = '10'), 'runs[0].report.samples', /expected a whole number ≥ 1, got "10"/],
    ['null', (d) => (d.runs[0].converter.neuron = null), 'runs[0].converter.neuron', /expected an object, got null/],
    [
      'out of range',
      (d) => (d.runs[1].report.accuracyPerStep[2] = 1.5),
      'runs[1].report.accuracyPerStep[2]',
      /expected an accuracy in \[0, 1\], got 1\.5/,
    ],
    ['negative', (d) => (d.runs[0].report.sopPerStep[0] = -1), 'runs[0].report.sopPerStep[0]', /expected a finite number ≥ 0, got -1/],
    [
      'unknown method',
      (d) => (d.runs[0].converter.neuron.method = 'magic'),
      'runs[0].converter.neuron.method',
      /expected one of "const", "dtt", "det", "msat", got "magic"/,
    ],
    ['misspelt field', (d) => (d.runs[0].converter.neuron.gama = 2), 'runs[0].converter.neuron.gama', /unknown field/],
    ['duplicate converter', (d) => (d.runs[1].converter.id = 'msat'), 'runs[1].converter.id', /converter "msat" appears twice \(also at \[0\]\)/],
    [
      'duplicate layer',
      (d) => d.runs[0].report.layers.push(d.runs[0].report.layers[0]),
      'runs[0].report.layers[1].layer',
      /layer "relu1" appears twice/,
    ],
    [
      'short trace',
      (d) => d.runs[1].traces[0].spikes.pop(),
      'runs[1].traces[0].spikes',
      /expected 4 entries, one per step \(runs\[1\]\.report\.T = 4\), got 3/,
    ],
    ['wrong version', (d) => (d.version = 2), 'version', /results format version 2; this msat reads version 1/],
    ['no runs', (d) => (d.runs = []), 'runs', /is empty; no converter has finished yet/],
    ['bad sha', (d) => (d.provenance.model.sha256 = 'abc'), 'provenance.model.sha256', /expected 64 lowercase hex digits/],
  ];
  for (const [name, damage, where, pattern] of cases) {
    const doc = good();
    damage(doc);
    writeFileSync(file, JSON.stringify(doc));
    await assert.rejects(readResults(dir), (e: unknown) => {
      assert.ok(isMsatError(e), `${name}: ${String(e)}`);
      assert.equal(e.code, 'EXPERIMENT_RESULTS', name);
      assert.ok(e.message.startsWith(`${file}: ${where}: `), `${name}: ${e.message}`);
      assert.match(e.message, pattern, name);
      return true;
    });
  }
  const text = JSON.stringify(good());
  for (const [name, damaged, where, pattern] of [
    ['infinite', text.replace('"wallSeconds":3', '"wallSeconds":1e999'), 'provenance.wallSeconds', /got Infinity/],
    ['duplicate key', text.replace('"T":4', '"T":4,"T":8'), 'T', /duplicate key/],
  ] as const) {
    writeFileSync(file, damaged);
    await assert.rejects(
      readResults(dir),
      (e: unknown) => isMsatError(e) && e.message.startsWith(`${file}: ${where}: `) && pattern.test(e.message),
      name,
    );
  }
});
