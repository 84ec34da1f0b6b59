// The SNN file's options as simulation defaults (src/pipeline/snn-file-defaults.ts) and their schema
// (snnFileSchema in src/convert/snn-file-schema.ts): a good file gives the defaults the earlier
// reader gave; a hand-edited field that is out of the schema is an SNN_FILE error naming the file and the field,
// never a silently different configuration; what msat writes it reads (γ = Infinity included); files of
// earlier msat versions still read.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { createSnnFile, readSnnFile, writeSnnFile, type Calibration, type ConversionPlan } from '../../src/convert/index.js';
import { checkExitHoldout, snnFileDefaults } from '../../src/pipeline/index.js';
import { DEFAULT_NEURON_CONFIG, METHODS, type NeuronConfig } from '../../src/snn/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-snn-defaults-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURE = join(import.meta.dirname, '..', '..', 'models', 'mnist-cnn.tuned.snn.json');

const calibration: Calibration = {
  percentile: 0.99,
  method: 'linear',
  granularity: { kind: 'layer' },
  samples: 200,
  layers: [{ relu: 'relu1', tensor: 'r1', lambda: 2.5, max: 3, mean: 0.5, positiveFraction: 0.4 }],
};
const plan: ConversionPlan = {
  source: 'm.onnx',
  layers: [
    { name: 'conv1', layerKind: 'conv', output: 'c1', becomes: { kind: 'analog' }, macs: 10, analogInput: true },
    { name: 'relu1', layerKind: 'relu', output: 'r1', becomes: { kind: 'spiking', lambda: 2.5 }, neurons: 4 },
    { name: 'fc', layerKind: 'linear', output: 'out', becomes: { kind: 'readout' }, macs: 4, analogInput: false },
  ],
  outputs: ['out'],
  spiking: [{ name: 'relu1', neurons: 4 }],
  synaptic: [
    { name: 'conv1', macs: 10, analogInput: true },
    { name: 'fc', macs: 4, analogInput: false },
  ],
  converted: 3,
  refused: 0,
  warnings: [],
};

const NEURON: NeuronConfig = {
  method: 'dtt',
  k: 0.75,
  hp: { alpha: 0.3, ka: -2, ki: 1.5, C: 5, taump: 0.5, taurd: 0.25 },
  gamma: 3,
  reset: 'hard',
};

/** Options as `convertedSnnFile` writes them. */
function options(neuron: NeuronConfig | undefined = NEURON): Record<string, unknown> {
  return {
    ...(neuron ? { neuron } : {}),
    normalization: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
    thresholds: { kind: 'calibrate', samples: 200, every: 250, percentile: 0.99, channelWise: false },
  };
}

function docWith(opts: object) {
  return createSnnFile({
    model: { path: 'models/m.onnx', sha256: 'cd'.repeat(32) },
    calibration,
    plan,
    options: opts,
    provenance: { msatVersion: '0.1.0', createdAt: '2025-01-02T03:04:05.000Z' },
  });
}

/** The reader before the schema (it dropped what it did not understand), for the good files. */
function legacyDefaults(json: { options: { neuron?: Record<string, unknown>; normalization?: Record<string, unknown> } }) {
  const n = json.options.neuron ?? {};
  const numbers = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined);
  return {
    neuron: {
      ...(typeof n.method === 'string' && (METHODS as readonly string[]).includes(n.method) ? { method: n.method } : {}),
      ...(typeof n.k === 'number' ? { k: n.k } : {}),
      ...(n.hp && typeof n.hp === 'object' ? { hp: n.hp } : {}),
      ...(typeof n.gamma === 'number' ? { gamma: n.gamma } : {}),
      ...(n.reset === 'soft' || n.reset === 'hard' ? { reset: n.reset } : {}),
    },
    normalization: { mean: numbers(json.options.normalization?.mean), std: numbers(json.options.normalization?.std) },
  };
}

function expectSnnFileError(path: string, field: string, pattern?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'SNN_FILE', e.message);
    assert.ok(e.message.startsWith(`${path}: ${field}: `), e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

test('a good file gives the defaults the earlier reader gave (written here, and the shipped tuned fixture)', async () => {
  const path = join(dir, 'good.snn.json');
  await writeSnnFile(path, docWith(options()));
  const defaults = await snnFileDefaults(path);
  assert.deepEqual(defaults, { neuron: NEURON, normalization: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] } });
  assert.deepEqual(defaults, legacyDefaults(JSON.parse(readFileSync(path, 'utf8'))));

  // the shipped tuned file also records the early-exit rule `msat tune` chose, which the earlier reader did not know
  const { exit, ...fixture } = await snnFileDefaults(FIXTURE);
  assert.deepEqual(exit, { stable: 2 });
  assert.deepEqual(fixture, legacyDefaults(JSON.parse(readFileSync(FIXTURE, 'utf8'))));
  assert.equal(fixture.neuron.method, 'msat');
  assert.equal(fixture.neuron.hp?.ki, 14.809093987202461);
  assert.deepEqual(fixture.normalization, { mean: [0.1307], std: [0.3081] });
  assert.ok((await readSnnFile(FIXTURE)).options['tune'], 'fields outside the schema are kept as written');
});

test('files of earlier msat versions read: no neuron, thresholds null / from an SNN file / every "auto", text normalisation', async () => {
  const variants: Array<[string, object]> = [
    ['no-neuron', { normalization: { mean: [0.1307], std: [0.3081] }, thresholds: null }],
    // msat has always written the whole converter (method, k, hp, gamma, reset), with the thresholds of any kind
    ['snn-file', { neuron: DEFAULT_NEURON_CONFIG, thresholds: { kind: 'snn-file', path: 'other.snn.json' } }],
    ['auto', { thresholds: { kind: 'calibrate', samples: 200, every: 'auto' } }],
    ['text', { normalization: { vocabSize: 10000, sequenceLength: 256 }, tune: { seed: 0 } }],
    ['steps', { steps: 32 }],
  ];
  for (const [name, opts] of variants) {
    const path = join(dir, `${name}.snn.json`);
    writeFileSync(path, JSON.stringify(docWith(opts), null, 2));
    const defaults = await snnFileDefaults(path);
    assert.deepEqual(defaults, legacyDefaults(JSON.parse(readFileSync(path, 'utf8'))), name);
  }
});

test('each hand-edited bad field is SNN_FILE naming the file and the field', async () => {
  const good = JSON.parse(JSON.stringify(docWith(options())));
  /** [name, path under options, new value (undefined: delete the field), the field named, message]. */
  const cases: Array<[string, string[], unknown, string, RegExp?]> = [
    ['method', ['neuron', 'method'], 'foo', 'options.neuron.method', /expected one of const, dtt, det, msat, got "foo"/],
    ['method-number', ['neuron', 'method'], 3, 'options.neuron.method', /expected a string, got 3/],
    ['gamma', ['neuron', 'gamma'], '2', 'options.neuron.gamma', /expected a number ≥ 1 \(or "Infinity"\), got "2"/],
    ['gamma-small', ['neuron', 'gamma'], 0.5, 'options.neuron.gamma'],
    ['gamma-null', ['neuron', 'gamma'], null, 'options.neuron.gamma', /got null/],
    ['hp-taurd', ['neuron', 'hp', 'taurd'], undefined, 'options.neuron.hp.taurd', /expected a finite number, got nothing \(missing\)/],
    ['hp-ki', ['neuron', 'hp', 'ki'], 0, 'options.neuron.hp.ki', /expected a finite number > 0 \(it divides\), got 0/],
    ['hp-string', ['neuron', 'hp', 'alpha'], '0.3', 'options.neuron.hp.alpha'],
    ['hp-extra', ['neuron', 'hp', 'beta'], 1, 'options.neuron.hp.beta', /unknown field \(known: alpha, ka, ki, C, taump, taurd\)/],
    ['hp-array', ['neuron', 'hp'], [0.03, 1, 1, 5, 1, 1], 'options.neuron.hp', /expected an object, got an array/],
    ['k', ['neuron', 'k'], 0, 'options.neuron.k', /expected a finite number > 0, got 0/],
    ['k-string', ['neuron', 'k'], '1', 'options.neuron.k'],
    ['reset', ['neuron', 'reset'], 'medium', 'options.neuron.reset', /expected one of "soft", "hard", got "medium"/],
    ['neuron-typo', ['neuron', 'gama'], 2, 'options.neuron.gama', /unknown field \(known: method, k, hp, gamma, reset\)/],
    ['neuron-string', ['neuron'], 'msat', 'options.neuron', /expected an object, got "msat"/],
    ['mean', ['normalization', 'mean'], '0.5', 'options.normalization.mean', /expected an array, got "0.5"/],
    ['mean-empty', ['normalization', 'mean'], [], 'options.normalization.mean', /expected one value, or one per channel, got an array of 0/],
    ['std-item', ['normalization', 'std'], [0.25, 'x'], 'options.normalization.std[1]', /expected a finite number, got "x"/],
    ['vocab', ['normalization', 'vocabSize'], 1.5, 'options.normalization.vocabSize', /expected a whole number ≥ 1, got 1.5/],
    ['norm-extra', ['normalization', 'scale'], 2, 'options.normalization.scale'],
    ['thresholds-kind', ['thresholds', 'kind'], 'magic', 'options.thresholds.kind', /expected "calibrate" or "snn-file", got "magic"/],
    ['thresholds-p', ['thresholds', 'percentile'], 2, 'options.thresholds.percentile', /expected a percentile in \(0, 1\], got 2/],
    ['thresholds-every', ['thresholds', 'every'], 0, 'options.thresholds.every'],
    ['thresholds-cw', ['thresholds', 'channelWise'], 'no', 'options.thresholds.channelWise'],
    ['thresholds-path', ['thresholds'], { kind: 'snn-file' }, 'options.thresholds.path'],
  ];
  for (const [name, at, value, field, pattern] of cases) {
    const json = JSON.parse(JSON.stringify(good));
    let holder = json.options as Record<string, unknown>;
    for (const key of at.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
    if (value === undefined) delete holder[at[at.length - 1]];
    else holder[at[at.length - 1]] = value;
    const path = join(dir, `bad-${name}.snn.json`);
    writeFileSync(path, JSON.stringify(json, null, 2));
    await assert.rejects(snnFileDefaults(path), expectSnnFileError(path, field, pattern), name);
    if (name !== 'method') await assert.rejects(readSnnFile(path), expectSnnFileError(path, field, pattern), `${name}: readSnnFile`);
  }
});

test('what msat writes it reads: γ = Infinity round-trips as "Infinity"; a neuron config out of the schema is refused when writing', async () => {
  const path = join(dir, 'burst.snn.json');
  await writeSnnFile(path, docWith(options({ ...DEFAULT_NEURON_CONFIG, gamma: Infinity })));
  assert.match(readFileSync(path, 'utf8'), /"gamma": "Infinity"/);
  assert.equal((await snnFileDefaults(path)).neuron.gamma, Infinity);
  assert.equal((await readSnnFile(path)).options.neuron?.gamma, Infinity);

  const bad = join(dir, 'refused.snn.json');
  await assert.rejects(writeSnnFile(bad, docWith(options({ ...NEURON, k: -1 }))), expectSnnFileError(bad, 'options.neuron.k'));
  await assert.rejects(writeSnnFile(bad, docWith(options({ ...NEURON, gamma: NaN }))), expectSnnFileError(bad, 'options.neuron.gamma'));
  await assert.rejects(
    writeSnnFile(bad, docWith({ ...options(), normalization: { mean: [] } })),
    expectSnnFileError(bad, 'options.normalization.mean'),
  );
  assert.equal(existsSync(bad), false, 'nothing written');
});

test('a recorded converter that lacks a field its method uses is SNN_FILE naming the field, not the default in its place', async () => {
  const { k: _k, ...noK } = NEURON;
  const { hp: _hp, ...noHp } = NEURON;
  const { method: _method, ...noMethod } = NEURON;
  const { gamma: _gamma, ...noGamma } = NEURON;
  const { reset: _reset, ...noReset } = NEURON;
  const { alpha: _alpha, ...hpNoAlpha } = NEURON.hp;
  /** [name, options.neuron as hand-edited, the field named, message]. */
  const cases: Array<[string, object, string, RegExp?]> = [
    ['no-method', noMethod, 'options.neuron.method', /expected a string, got nothing \(missing\)/],
    ['no-hp', noHp, 'options.neuron.hp', /expected the six MSAT hyper-parameters \(every method but "const" uses them\), got nothing \(missing\)/],
    ['msat-k-only', { method: 'msat', k: 1, gamma: 1, reset: 'soft' }, 'options.neuron.hp'],
    ['const-no-k', { ...noK, method: 'const' }, 'options.neuron.k', /method "const" uses it/],
    ['no-gamma', noGamma, 'options.neuron.gamma', /got nothing \(missing\)/],
    ['no-reset', noReset, 'options.neuron.reset', /got nothing \(missing\)/],
    ['hp-no-alpha', { ...NEURON, hp: hpNoAlpha }, 'options.neuron.hp.alpha', /got nothing \(missing\)/],
  ];
  for (const [name, neuron, field, pattern] of cases) {
    const path = join(dir, `incomplete-${name}.snn.json`);
    writeFileSync(path, JSON.stringify(docWith({ ...options(), neuron }), null, 2));
    await assert.rejects(readSnnFile(path), expectSnnFileError(path, field, pattern), name);
    await assert.rejects(snnFileDefaults(path), expectSnnFileError(path, field, pattern), `${name}: snnFileDefaults`);
    const refused = join(dir, `incomplete-${name}.written.snn.json`);
    await assert.rejects(writeSnnFile(refused, docWith({ ...options(), neuron })), expectSnnFileError(refused, field, pattern), `${name}: written`);
    assert.equal(existsSync(refused), false, `${name}: nothing written`);
  }
});

test('only the field a method ignores may be left out (k for the adaptive methods, hp for const); no neuron at all is no recorded converter', async () => {
  const { k: _k, ...dttNoK } = NEURON;
  const { hp: _hp, ...constNoHp } = { ...NEURON, method: 'const' as const };
  for (const [name, neuron] of [
    ['dtt-no-k', dttNoK],
    ['const-no-hp', constNoHp],
  ] as const) {
    const path = join(dir, `${name}.snn.json`);
    await writeSnnFile(path, docWith({ ...options(), neuron }));
    assert.deepEqual((await snnFileDefaults(path)).neuron, neuron, name);
  }
  const none = join(dir, 'none.snn.json');
  const { neuron: _neuron, ...noNeuron } = options();
  await writeSnnFile(none, docWith(noNeuron));
  assert.deepEqual((await snnFileDefaults(none)).neuron, {});
});

test('an early-exit rule in the file is read as the defaults exit; a bad one is SNN_FILE naming options.exit', async () => {
  const good = join(dir, 'exit.snn.json');
  await writeSnnFile(good, docWith({ ...options(), exit: 'confidence:0.99,min:2' }));
  assert.deepEqual((await snnFileDefaults(good)).exit, { confidence: 0.99, min: 2 });
  for (const [exit, why] of [
    ['confidence:2', /confidence must be in \(0, 1\]/],
    ['bogus:1', /unknown key "bogus"/],
    [4, /expected/],
  ] as const) {
    const path = join(dir, `bad-exit-${String(exit).replace(/[^a-z0-9]/gi, '')}.snn.json`);
    const doc = JSON.parse(JSON.stringify(docWith(options())));
    doc.options.exit = exit;
    writeFileSync(path, JSON.stringify(doc));
    await assert.rejects(snnFileDefaults(path), expectSnnFileError(path, 'options.exit', why));
  }
});

test('where the exit rule was chosen: read back, checked; a rule chosen on test samples is not scored on them', async () => {
  const chosenOn = { split: 'test', leftOutEvery: 10, samples: 2000, level: 0.9 };
  const good = join(dir, 'exit-chosen.snn.json');
  await writeSnnFile(good, docWith({ ...options(), exit: 'confidence:0.9,decay:0.8', exitChosenOn: chosenOn }));
  const defaults = await snnFileDefaults(good);
  assert.deepEqual(defaults.exitChosenOn, chosenOn);
  // every 10th, 20th: left out when the rule was chosen; every 5th or every sample: refused
  for (const every of [10, 20]) checkExitHoldout(defaults, good, every);
  for (const [every, words] of [
    [1, 'every sample'],
    [5, 'every 5th'],
    [15, 'every 15th'],
  ] as const)
    assert.throws(
      () => checkExitHoldout(defaults, good, every),
      (e) =>
        isMsatError(e) &&
        e.code === 'SNN_OPTIONS' &&
        e.message.includes(`besides every 10th; ${words} would score samples it was chosen on (use --every 10`),
    );
  // chosen on validation samples: any test stride
  checkExitHoldout({ ...defaults, exitChosenOn: { ...chosenOn, split: 'validation', leftOutEvery: undefined } }, good, 1);
  for (const [field, value, why] of [
    ['split', 'dev', /expected one of "train", "validation", "test", got "dev"/],
    ['leftOutEvery', 1, /expected a whole number ≥ 2, got 1/],
    ['level', 1, /expected a confidence in \[0.5, 1\)/],
  ] as const) {
    const path = join(dir, `bad-chosen-${field}.snn.json`);
    const doc = JSON.parse(JSON.stringify(docWith({ ...options(), exitChosenOn: chosenOn })));
    doc.options.exitChosenOn[field] = value;
    writeFileSync(path, JSON.stringify(doc));
    await assert.rejects(snnFileDefaults(path), expectSnnFileError(path, `options.exitChosenOn.${field}`, why));
  }
});
