// The experiment results file (src/experiment/results.ts): what writeResults writes readResults reads back
// (γ = ∞ as "Infinity", an undefined correlation as null, a run's exit report and exit sweep), a file written
// before early exit reads with neither, writeResults refuses what could not be read, and each kind of damage is
// an EXPERIMENT_RESULTS error naming the file and the JSON path. The experiment table shows a run's accuracy
// with exit and mean exit step, and the oracle of runs whose exit rules were replayed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { formatExperimentTable, readResults, writeResults, RESULTS_FILE, type ExperimentResults } from '../../src/experiment/index.js';

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
      exit: null,
      exitSweep: {
        oracle: { accuracy: 0.9, meanSteps: 2.5 },
        points: [
          { family: 'confidence', rule: 'confidence:0.9', accuracy: 0.8, meanSteps: 2 },
          { family: 'stable', rule: 'stable:2', accuracy: 0.7, meanSteps: 3 },
        ],
        front: [{ family: 'confidence', rule: 'confidence:0.9', accuracy: 0.8, meanSteps: 2 }],
      },
      seconds: 1,
    },
    traces: [trace],
  };
}

/** A run with an exit rule: accuracy with exit at T, exit steps of its 10 samples, no sweep. */
function exitRun(id: string): ExperimentResults['runs'][number] {
  const r = run(id);
  return {
    ...r,
    converter: { ...r.converter, exit: 'confidence:0.95,min:2' },
    report: {
      ...r.report,
      exit: {
        rule: 'confidence:0.95,min:2,max:4',
        accuracy: 0.9,
        meanSteps: 2.6,
        medianSteps: 2,
        p95Steps: 4,
        computedSteps: 4,
        histogram: [0, 0, 6, 2, 2],
      },
      exitSweep: null,
    },
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
  runs: [run('msat'), run('burst', Infinity), exitRun('msat-exit')],
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
  assert.equal(back.runs[2].converter.exit, 'confidence:0.95,min:2');
  assert.deepEqual(back.runs[2].report.exit?.histogram, [0, 0, 6, 2, 2]);
  assert.equal(back.runs[0].report.exitSweep?.front.length, 1);
});

test('a results file written before early exit reads as runs without an exit report or sweep', async () => {
  const old = JSON.parse(JSON.stringify(results(), (k, v) => (k === 'gamma' && v === Infinity ? 'Infinity' : v)));
  for (const r of old.runs) {
    delete r.report.exit;
    delete r.report.exitSweep;
    delete r.converter.exit;
  }
  writeFileSync(file, JSON.stringify(old));
  const back = await readResults(dir);
  for (const r of back.runs) {
    assert.equal(r.report.exit, null);
    assert.equal(r.report.exitSweep, null);
    assert.equal(r.converter.exit, undefined);
  }
});

test('the traces of a run with an exit rule may end where the traced sample exited; a run of T steps keeps T entries', async () => {
  const doc = results();
  const cut = (r: ExperimentResults['runs'][number]) => ({
    ...r,
    traces: r.traces.map((tr) => ({ ...tr, membrane: tr.membrane.slice(0, 2), threshold: tr.threshold.slice(0, 2), spikes: tr.spikes.slice(0, 2) })),
  });
  await writeResults(file, { ...doc, runs: [doc.runs[0], doc.runs[1], cut(doc.runs[2])] });
  assert.equal((await readResults(dir)).runs[2].traces[0].membrane.length, 2);
  await assert.rejects(
    writeResults(file, { ...doc, runs: [cut(doc.runs[0]), doc.runs[1], doc.runs[2]] }),
    (e) => isMsatError(e) && /runs\[0\]\.traces\[0\]\.membrane: expected 4 entries, one per step/.test(e.message),
  );
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
    ['exit accuracy', (d) => (d.runs[2].report.exit.accuracy = 1.5), 'runs[2].report.exit.accuracy', /expected an accuracy in \[0, 1\], got 1\.5/],
    [
      'exit rule',
      (d) => (d.runs[2].report.exit.rule = 'bogus:1'),
      'runs[2].report.exit.rule',
      /expected an exit rule of key:value pairs.*got "bogus:1"/,
    ],
    [
      'converter exit rule',
      (d) => (d.runs[2].converter.exit = 'confidence:2'),
      'runs[2].converter.exit',
      /expected an exit rule.*got "confidence:2"/,
    ],
    ['negative mean steps', (d) => (d.runs[2].report.exit.meanSteps = -1), 'runs[2].report.exit.meanSteps', /expected a finite number ≥ 0, got -1/],
    ['mean steps after T', (d) => (d.runs[2].report.exit.meanSteps = 5), 'runs[2].report.exit.meanSteps', /expected at most T = 4 steps, got 5/],
    [
      'fractional count',
      (d) => (d.runs[2].report.exit.histogram[2] = 5.5),
      'runs[2].report.exit.histogram[2]',
      /expected a whole number ≥ 0, got 5\.5/,
    ],
    [
      'short histogram',
      (d) => d.runs[2].report.exit.histogram.pop(),
      'runs[2].report.exit.histogram',
      /expected 5 entries, one per exit step 0\.\.T \(runs\[2\]\.report\.T = 4\), got 4/,
    ],
    [
      'histogram of other samples',
      (d) => (d.runs[2].report.exit.histogram[4] = 3),
      'runs[2].report.exit.histogram',
      /expected counts summing to the run's samples \(10\), got 11/,
    ],
    ['exit not an object', (d) => (d.runs[2].report.exit = 7), 'runs[2].report.exit', /expected an object, got 7/],
    [
      'sweep accuracy',
      (d) => (d.runs[0].report.exitSweep.points[1].accuracy = -0.1),
      'runs[0].report.exitSweep.points[1].accuracy',
      /expected an accuracy in \[0, 1\], got -0\.1/,
    ],
    [
      'front after T',
      (d) => (d.runs[0].report.exitSweep.front[0].meanSteps = 40),
      'runs[0].report.exitSweep.front[0].meanSteps',
      /expected at most T = 4 steps, got 40/,
    ],
    [
      'exit run trace arrays disagree',
      (d) => d.runs[2].traces[0].spikes.pop(),
      'runs[2].traces[0].spikes',
      /expected 4 entries, as many as membrane, got 3/,
    ],
    ['no oracle', (d) => delete d.runs[1].report.exitSweep.oracle, 'runs[1].report.exitSweep.oracle', /expected an object, got nothing/],
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

test('the experiment table gives a run with an exit rule its accuracy with exit and mean exit step, and each swept run its oracle', () => {
  const table = formatExperimentTable(results());
  const lines = table.split('\n');
  const head = lines.find((l) => l.startsWith('| converter'))!;
  assert.match(head, /\| steps to ANN−1 % \| with exit \| mean exit step \| SOP \/ sample \|/);
  assert.match(table, /^\| msat-exit \| 90\.00 \| 4 \| 90\.00 \| 2\.6 \| /m);
  assert.match(table, /^\| msat \| 90\.00 \| 4 \| — \| — \| /m);
  assert.match(table, /^- msat: oracle 90\.00 % after 2\.5 steps; no exit rule replayed reaches ANN − 1 %$/m);
  assert.match(table, /^- msat-exit: exit rule confidence:0\.95,min:2,max:4 gave 90\.00 % after 2\.6 steps \(median 2, 95 % by 4\)/m);
  // without early exit the table is as before: no exit columns, nothing under it
  const plain = {
    ...results(),
    runs: results()
      .runs.slice(0, 2)
      .map((r) => ({ ...r, report: { ...r.report, exitSweep: null } })),
  };
  const before = formatExperimentTable(plain);
  assert.doesNotMatch(before, /exit/);
  assert.match(before.split('\n').at(-1)!, /^\| burst \| /);
});
