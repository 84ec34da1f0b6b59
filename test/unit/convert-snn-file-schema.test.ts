// The SNN file's schema (src/convert/snn-file-schema.ts), the tuned SNN file (same schema, its own `tune`
// options) and the model cross-check: a written file reads back unchanged; each kind of damage is an SNN_FILE
// error naming the file and the JSON path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { checkSnnFileLayers, readSnnFile, writeSnnFile, type SnnFile } from '../../src/convert/index.js';
import type { Network } from '../../src/model/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-snn-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TUNED = join(import.meta.dirname, '..', '..', 'models', 'mnist-cnn.tuned.snn.json');
const good = () => JSON.parse(readFileSync(TUNED, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function expectError(path: string, where: string, pattern?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'SNN_FILE', e.message);
    assert.ok(e.message.startsWith(`${path}: ${where}: `), e.message);
    assert.doesNotMatch(e.message, /\n/);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

test('the tuned SNN file round-trips: read, written, read again gives the same document and the same text', async () => {
  const first = await readSnnFile(TUNED);
  assert.ok(first.options['tune'], 'the tuned options are kept as written');
  const path = join(dir, 'again.snn.json');
  await writeSnnFile(path, first as SnnFile<object>);
  assert.deepEqual(await readSnnFile(path), first);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), good());
});

test('each kind of damage names the file and the path', async () => {
  /** [name, damage, path named, message]. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const cases: Array<[string, (d: any) => void, string, RegExp]> = [
    ['missing', (d) => delete d.calibration.layers[1].max, 'calibration.layers[1].max', /expected a finite number, got nothing \(missing\)/],
    ['wrong type', (d) => (d.calibration.samples = '200'), 'calibration.samples', /expected a whole number ≥ 0, got "200"/],
    ['null', (d) => (d.options.neuron.hp = null), 'options.neuron.hp', /expected an object, got null/],
    ['out of range', (d) => (d.calibration.percentile = 1.5), 'calibration.percentile', /expected a percentile in \(0, 1\], got 1\.5/],
    ['negative λ', (d) => (d.calibration.layers[0].lambda = -1), 'calibration.layers[0].lambda', /expected a threshold λ > 0, got -1/],
    [
      'fraction',
      (d) => (d.calibration.layers[2].positiveFraction = 2),
      'calibration.layers[2].positiveFraction',
      /expected a fraction in \[0, 1\], got 2/,
    ],
    ['unknown field', (d) => (d.calibration.layers[0].lamda = 1), 'calibration.layers[0].lamda', /unknown field \(known: relu, tensor, lambda/],
    [
      'duplicate relu',
      (d) => (d.calibration.layers[2].relu = 'relu1'),
      'calibration.layers[2].relu',
      /relu layer "relu1" appears twice \(also at \[0\]\)/,
    ],
    ['duplicate layer', (d) => (d.plan.layers[3].name = 'conv1'), 'plan.layers[3].name', /layer "conv1" appears twice \(also at \[0\]\)/],
    ['refused count', (d) => (d.plan.refused = 2), 'plan.refused', /expected 0 \(the refused layers listed\), got 2/],
    ['refused without reason', (d) => (d.plan.layers[0].becomes = 'refused'), 'plan.layers[0].reason', /expected a string, got nothing \(missing\)/],
    ['wrong version', (d) => (d.version = 2), 'version', /is 2; this msat reads version 1/],
    ['wrong format', (d) => (d.format = 'msat-experiment'), 'format', /this is not an msat SNN file/],
    ['bad time', (d) => (d.provenance.createdAt = 'soon'), 'provenance.createdAt', /expected an ISO 8601 time, got "soon"/],
  ];
  for (const [name, damage, where, pattern] of cases) {
    const doc = good();
    damage(doc);
    const path = join(dir, `${name.replace(/ /g, '-')}.snn.json`);
    writeFileSync(path, JSON.stringify(doc, null, 2));
    await assert.rejects(readSnnFile(path), expectError(path, where, pattern), name);
  }
});

test('non-finite numbers and duplicate keys are refused where JSON.parse would accept them', async () => {
  const text = readFileSync(TUNED, 'utf8');
  const cases: Array<[string, string, string, RegExp]> = [
    ['infinity', text.replace('"alpha": ', '"alpha": 1e999, "was": '), 'options.neuron.hp.alpha', /expected a finite number, got Infinity/],
    ['duplicate', text.replace('"alpha": ', '"alpha": 0.5, "alpha": '), 'options.neuron.hp.alpha', /duplicate key/],
    ['duplicate escaped', text.replace('"format": "msat-snn"', '"format": "msat-snn", "\\u0066ormat": "msat-snn"'), 'format', /duplicate key/],
  ];
  for (const [name, damaged, where, pattern] of cases) {
    assert.notEqual(damaged, text, name);
    const path = join(dir, `${name}.snn.json`);
    writeFileSync(path, damaged);
    await assert.rejects(readSnnFile(path), expectError(path, where, pattern), name);
  }
});

test('every layer the file names exists in the model exactly once, with the recorded kind', async () => {
  const file = await readSnnFile(TUNED);
  const layer = (name: string, kind: string) => ({ name, kind }) as unknown as Network['layers'][number];
  const network = (layers: Network['layers']) => ({ layers, source: 'm.onnx' }) as unknown as Network;
  const all = file.plan.layers.map((l) => layer(l.name, l.kind));
  checkSnnFileLayers(file, network(all), 'f.json');
  const check = (layers: Network['layers'], where: string, pattern: RegExp) =>
    assert.throws(() => checkSnnFileLayers(file, network(layers), 'f.json'), expectError('f.json', where, pattern));
  check(
    all.filter((l) => l.name !== 'relu2'),
    'calibration.layers[1].relu',
    /no layer "relu2" in m\.onnx/,
  );
  check([...all, layer('relu3', 'relu')], 'calibration.layers[2].relu', /2 layers are named "relu3"/);
  check(
    all.map((l) => (l.name === 'conv2' ? layer('conv2', 'linear') : l)),
    'plan.layers[3].name',
    /"conv2" is a linear layer in m\.onnx, not conv/,
  );
});
