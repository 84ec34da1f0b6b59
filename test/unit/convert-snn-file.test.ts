// The SNN file: write -> read round trip (λ exactly, as float32), atomic write (no temp file left), and
// SNN_FILE errors naming the file and field for malformed documents. sha256File against node:crypto on the bytes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import {
  calibrationFromJson,
  createSnnFile,
  readSnnFile,
  sha256File,
  shortestFloat32,
  writeSnnFile,
  type Calibration,
  type ConversionPlan,
  type SnnFile,
} from '../../src/convert/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-snn-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const calibration: Calibration = {
  percentile: 1,
  method: 'linear',
  granularity: { kind: 'channel' },
  samples: 200,
  layers: [
    { relu: 'relu1', tensor: 'r1', lambda: Float32Array.of(0.1, 2.913, 1 / 3, 1e-7), max: 2.913, mean: 0.25, positiveFraction: 0.5 },
    { relu: 'relu2', tensor: 'r2', lambda: Float32Array.of(5e-7), max: 0, mean: 0, positiveFraction: 0, warning: '1 of 1 channels dead' },
  ],
};
const plan: ConversionPlan = {
  source: 'm.onnx',
  layers: [
    { name: 'conv1', layerKind: 'conv', output: 'c1', becomes: { kind: 'analog' }, macs: 10, analogInput: true },
    { name: 'relu1', layerKind: 'relu', output: 'r1', becomes: { kind: 'spiking', lambda: Float32Array.of(1) }, neurons: 4 },
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
const sha = 'ab'.repeat(32);
const doc = (): SnnFile =>
  createSnnFile({
    model: { path: 'models/m.onnx', sha256: sha },
    calibration,
    plan,
    options: { threshold: { kind: 'msat', alpha: 0.03, tauMp: 1 }, steps: 256 },
    provenance: {
      msatVersion: '0.1.0',
      createdAt: '2025-01-02T03:04:05.000Z',
      command: 'msat convert m.onnx',
      dataset: { path: 'cifar10', split: 'train', samples: 200 },
    },
  });

function expectSnnFileError(path: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'SNN_FILE');
    assert.ok(e.message.startsWith(`${path}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

test('write -> read gives the same document; channel λ comes back as the same float32 values; no temp file is left', async () => {
  const path = join(dir, 'sub', 'snn.json');
  await writeSnnFile(path, doc());
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['snn.json']);
  const back = await readSnnFile(path);
  assert.deepEqual(back, JSON.parse(JSON.stringify(doc())));
  assert.equal(back.format, 'msat-snn');
  assert.deepEqual(
    back.plan.layers.map((l) => [l.name, l.kind, l.becomes, l.description]),
    [
      ['conv1', 'conv', 'analog', 'analog conv, every step'],
      ['relu1', 'relu', 'spiking', 'spiking neurons'],
      ['fc', 'linear', 'readout', 'readout: analog linear, summed over steps'],
    ],
  );
  const cal = calibrationFromJson(back.calibration);
  assert.deepEqual(cal.layers[0].lambda, calibration.layers[0].lambda);
  assert.ok(cal.layers[0].lambda instanceof Float32Array);
  assert.equal(cal.layers[1].warning, '1 of 1 channels dead');
  const text = readFileSync(path, 'utf8');
  assert.match(text, /"lambda": \[\s*0\.1,\s*2\.913,\s*0\.33333334,\s*1e-7\s*\]/, 'λ is written as the shortest float32 decimal');

  await writeSnnFile(path, { ...doc(), options: { steps: 32 } });
  assert.deepEqual((await readSnnFile(path)).options, { steps: 32 }, 'overwrite by rename');
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['snn.json']);
});

test('shortestFloat32 reads back to the same float32', () => {
  for (const v of [0.1, 1 / 3, 2.913, 1e-7, 123456.789, Math.PI, 3.4e38]) {
    assert.equal(Math.fround(shortestFloat32(v)), Math.fround(v), String(v));
  }
  assert.equal(shortestFloat32(Math.fround(0.1)), 0.1);
});

test('malformed files fail with SNN_FILE naming the file and the field', async () => {
  const cases: Array<[string, string | object, RegExp]> = [
    ['missing.json', '', /cannot read the SNN file/],
    ['notjson.json', '{"format": "msat-snn",', /not valid JSON/],
    ['array.json', '[]', /the document: expected an object, got an array/],
    ['format.json', { ...doc(), format: 'onnx' }, /format: is "onnx"; this is not an msat SNN file/],
    ['version.json', { ...doc(), version: 2 }, /version: is 2; this msat reads version 1/],
    ['sha.json', { ...doc(), model: { path: 'm.onnx', sha256: 'xyz' } }, /model\.sha256: expected 64 lowercase hex digits \(a SHA-256\), got "xyz"/],
    ['nomodel.json', { ...doc(), model: undefined }, /model: expected an object, got nothing \(missing\)/],
    [
      'lambda.json',
      { ...doc(), calibration: { ...doc().calibration, layers: [{ ...doc().calibration.layers[0], lambda: [1, -2] }] } },
      /calibration\.layers\[0\]\.lambda\[1\]: expected a threshold λ > 0, got -2/,
    ],
    [
      'gran.json',
      { ...doc(), calibration: { ...doc().calibration, granularity: { kind: 'layer' } } },
      /calibration\.layers\[0\]\.lambda: expected one λ \(a number\): the calibration is layer-wise, got an array/,
    ],
    [
      'plan.json',
      { ...doc(), plan: { ...doc().plan, layers: [{ name: 'x', kind: 'relu', becomes: 'magic', description: '' }] } },
      /plan\.layers\[0\]\.becomes: expected one of .*got "magic"/,
    ],
    [
      'prov.json',
      { ...doc(), provenance: { msatVersion: '0.1.0', createdAt: 'yesterday' } },
      /provenance\.createdAt: expected an ISO 8601 time, got "yesterday"/,
    ],
    ['opts.json', { ...doc(), options: 3 }, /options: expected an object, got 3/],
  ];
  for (const [name, content, pattern] of cases) {
    const path = join(dir, name);
    if (name !== 'missing.json') writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    await assert.rejects(readSnnFile(path), expectSnnFileError(path, pattern), name);
  }
});

test('writeSnnFile refuses a document it could not read back (options that are not plain JSON)', async () => {
  const path = join(dir, 'bad-options.json');
  await assert.rejects(writeSnnFile(path, { ...doc(), options: { seed: 1n } }), expectSnnFileError(path, /cannot be written as JSON/));
  await assert.rejects(writeSnnFile(path, { ...doc(), version: 3 as 1 }), expectSnnFileError(path, /version: is 3/));
  assert.equal(readdirSync(dir).includes('bad-options.json'), false);
});

test('sha256File equals the SHA-256 of the bytes', async () => {
  const path = join(dir, 'blob.bin');
  const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255));
  writeFileSync(path, bytes);
  assert.equal(await sha256File(path), createHash('sha256').update(bytes).digest('hex'));
  await assert.rejects(sha256File(join(dir, 'nope.bin')), (e: unknown) => isMsatError(e) && e.code === 'CONVERT_IO');
});
