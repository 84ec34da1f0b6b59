// msat's model metadata schema (src/model/metadata.ts): every key round-trips format -> parse, each malformed
// text is a MODEL_METADATA error naming the source and the key, and the five shipped models in models/ read
// without error, give the values the earlier readers gave, and format back to the very texts they carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { readOnnxModel } from '../../src/onnx/index.js';
import {
  MODEL_METADATA_FIELDS,
  loadNetwork,
  modelMetadataKey,
  readModelMetadata,
  textOptionsOfMetadata,
  writeModelMetadata,
  type ModelMetadata,
} from '../../src/model/index.js';
import { normalizationOf } from '../../src/ann/index.js';

const SAMPLE: Required<ModelMetadata> = {
  arch: 'resnet20',
  dataset: '.cache/datasets/cifar10-jpeg',
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.247, 0.2435, 0.2616],
  accuracy: 0.94303683737646,
  classes: ['airplane', 'automobile', 'a "quoted", name'],
  config: { arch: 'resnet20', epochs: 20, optimizer: { kind: 'sgd', nesterov: true, weightDecay: 5e-4 }, mean: null, from: { checkpoint: 'x.onnx' } },
  vocabSize: 10000,
  sequenceLength: 256,
  snn: { format: 'msat-snn-onnx', version: 1, dynamics: { gamma: Infinity, reset: 'soft' } },
  lambdas: { relu1: 2.5, relu2: [0.5, 1e-7, 3] },
};

function expectMetadataError(source: string | undefined, key: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'MODEL_METADATA');
    if (source !== undefined) assert.ok(e.message.startsWith(`${source}: `), e.message);
    assert.ok(e.message.includes(`metadata ${key} must be `), e.message);
    assert.match(e.message, /, got /);
    return true;
  };
}

test('the schema declares the keys msat has always written, in the order msat train writes them', () => {
  assert.deepEqual(MODEL_METADATA_FIELDS.map(modelMetadataKey), [
    'msat.arch',
    'msat.dataset',
    'msat.mean',
    'msat.std',
    'msat.accuracy',
    'msat.classes',
    'msat.config',
    'msat.vocabSize',
    'msat.sequenceLength',
    'msat.snn',
    'msat.lambdas',
  ]);
  assert.deepEqual(Object.keys(SAMPLE).sort(), [...MODEL_METADATA_FIELDS].sort(), 'the sample covers every field');
});

test('every key round-trips format -> parse; the formats are the ones msat wrote', () => {
  const written = writeModelMetadata(SAMPLE);
  assert.deepEqual(Object.keys(written), MODEL_METADATA_FIELDS.map(modelMetadataKey));
  assert.equal(written['msat.mean'], '[0.4914,0.4822,0.4465]');
  assert.equal(written['msat.accuracy'], '0.94303683737646');
  assert.equal(written['msat.vocabSize'], '10000');
  assert.equal(written['msat.arch'], 'resnet20');
  assert.match(written['msat.snn'], /"gamma":"Infinity"/, 'Infinity as the exports write it');
  const back = readModelMetadata(written, 'sample.onnx');
  const { snn, ...rest } = back;
  const { snn: sampleSnn, ...sampleRest } = SAMPLE;
  assert.deepEqual(rest, sampleRest);
  assert.deepEqual(snn, { ...sampleSnn, dynamics: { gamma: 'Infinity', reset: 'soft' } });
  for (const field of MODEL_METADATA_FIELDS) {
    const one = writeModelMetadata({ [field]: SAMPLE[field] });
    assert.deepEqual(Object.keys(one), [modelMetadataKey(field)], field);
    assert.deepEqual(writeModelMetadata(readModelMetadata(one)), one, `${field}: format(parse(text)) is the text`);
  }
  assert.deepEqual(writeModelMetadata({}), {});
  assert.deepEqual(writeModelMetadata({ arch: 'x', mean: undefined }), { 'msat.arch': 'x' }, 'undefined fields are left out');
});

test('absent keys are left out; other keys are ignored; fields limits what is read and checked', () => {
  const metadata = { author: 'someone', 'msat.version': '0.1.0', 'msat.mean': '[0.5]', 'msat.std': 'broken' };
  assert.deepEqual(readModelMetadata({ author: 'x' }), {});
  assert.deepEqual(readModelMetadata(metadata, 'm.onnx', ['mean', 'classes']), { mean: [0.5] });
  assert.throws(() => readModelMetadata(metadata, 'm.onnx'), expectMetadataError('m.onnx', 'msat.std'));
  assert.deepEqual(textOptionsOfMetadata({ 'msat.vocabSize': '5000', 'msat.sequenceLength': '400' }), { vocabSize: 5000, sequenceLength: 400 });
  assert.deepEqual(textOptionsOfMetadata({ 'msat.mean': '[0]', 'msat.config': 'not json' }), {});
});

test('each malformed value is a MODEL_METADATA error naming the source and the key', () => {
  const cases: Array<[keyof ModelMetadata, string]> = [
    ['arch', ''],
    ['dataset', ''],
    ['mean', 'not json'],
    ['mean', '[]'],
    ['mean', '"0.5"'],
    ['mean', '[0.1, "0.2"]'],
    ['mean', '[0.1, null]'],
    ['std', '{"0": 1}'],
    ['std', '0.3'],
    ['accuracy', 'high'],
    ['accuracy', ''],
    ['accuracy', '1.5'],
    ['accuracy', '-0.1'],
    ['accuracy', 'NaN'],
    ['classes', '["a", 1]'],
    ['classes', '[]'],
    ['classes', 'a,b,c'],
    ['config', '{"arch": '],
    ['config', '[1, 2]'],
    ['config', 'null'],
    ['vocabSize', 'many'],
    ['vocabSize', '0'],
    ['vocabSize', '12.5'],
    ['vocabSize', ' '],
    ['sequenceLength', '-3'],
    ['snn', '"contract"'],
    ['lambdas', '{"relu1": "2"}'],
    ['lambdas', '{"relu1": []}'],
    ['lambdas', '[1]'],
  ];
  for (const [field, text] of cases) {
    const key = modelMetadataKey(field);
    assert.throws(() => readModelMetadata({ [key]: text }, 'bad.onnx'), expectMetadataError('bad.onnx', key), `${key} = ${JSON.stringify(text)}`);
  }
  // Without a source (a bare record), the message starts at "metadata".
  assert.throws(
    () => textOptionsOfMetadata({ 'msat.vocabSize': 'many' }),
    (e: unknown) => isMsatError(e) && e.code === 'MODEL_METADATA' && e.message.startsWith('metadata msat.vocabSize'),
  );
});

test('writeModelMetadata refuses a value that would not read back', () => {
  assert.throws(() => writeModelMetadata({ accuracy: NaN }, 'out.onnx'), expectMetadataError('out.onnx', 'msat.accuracy'));
  assert.throws(() => writeModelMetadata({ mean: [] }, 'out.onnx'), expectMetadataError('out.onnx', 'msat.mean'));
  assert.throws(() => writeModelMetadata({ mean: [Infinity] }, 'out.onnx'), expectMetadataError('out.onnx', 'msat.mean'));
  assert.throws(() => writeModelMetadata({ vocabSize: 0 }, 'out.onnx'), expectMetadataError('out.onnx', 'msat.vocabSize'));
  assert.throws(() => writeModelMetadata({ config: { seed: 1n } as never }, 'out.onnx'), expectMetadataError('out.onnx', 'msat.config'));
});

/** What the readers before the schema gave (normalizationOf, predict's classNamesOf, textOptionsOfMetadata, train --from). */
function legacyRead(metadata: Readonly<Record<string, string>>) {
  const positive = (t: string | undefined) => (t === undefined ? undefined : Number(t));
  const accuracy = Number(metadata['msat.accuracy']);
  return {
    mean: JSON.parse(metadata['msat.mean']) as number[],
    std: JSON.parse(metadata['msat.std']) as number[],
    classes: JSON.parse(metadata['msat.classes']) as string[],
    vocabSize: positive(metadata['msat.vocabSize']),
    sequenceLength: positive(metadata['msat.sequenceLength']),
    config: JSON.parse(metadata['msat.config']) as Record<string, unknown>,
    accuracy: Number.isFinite(accuracy) ? accuracy : null,
  };
}

const MODELS = join(import.meta.dirname, '..', '..', 'models');

test('the five shipped models read without error and give the values the earlier readers gave', async () => {
  const files = readdirSync(MODELS)
    .filter((f) => f.endsWith('.onnx'))
    .sort();
  assert.deepEqual(files, ['cifar10-resnet20.onnx', 'cifar10-vgg16.onnx', 'imdb-textcnn.onnx', 'mnist-cnn.onnx', 'speech-commands-cnn.onnx']);
  for (const file of files) {
    const path = join(MODELS, file);
    const { metadata } = await readOnnxModel(path);
    const typed = readModelMetadata(metadata, path);
    const legacy = legacyRead(metadata);
    assert.deepEqual(typed.mean, legacy.mean, file);
    assert.deepEqual(typed.std, legacy.std, file);
    assert.deepEqual(typed.classes, legacy.classes, file);
    assert.equal(typed.vocabSize, legacy.vocabSize, file);
    assert.equal(typed.sequenceLength, legacy.sequenceLength, file);
    assert.deepEqual(typed.config, legacy.config, file);
    assert.equal(typed.accuracy, legacy.accuracy, file);
    assert.equal(typed.arch, metadata['msat.arch'], file);
    assert.equal(typed.arch, (typed.config as { arch: string }).arch, file);
    assert.equal(typed.dataset, metadata['msat.dataset'], file);
    assert.deepEqual(textOptionsOfMetadata(metadata, path), file === 'imdb-textcnn.onnx' ? { vocabSize: 10000, sequenceLength: 256 } : {}, file);
    // msat train's formats: writing what was read gives back the very texts the model carries.
    const msatKeys = Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith('msat.')));
    assert.deepEqual(writeModelMetadata(typed), msatKeys, file);
    assert.deepEqual(Object.keys(writeModelMetadata(typed)), Object.keys(msatKeys), `${file}: in the same order`);
  }
  // normalizationOf (the ann layer's reader) on a loaded network.
  const network = await loadNetwork(join(MODELS, 'mnist-cnn.onnx'));
  assert.deepEqual(normalizationOf(network), { mean: [0.1307], std: [0.3081] });
  assert.equal(normalizationOf({ ...network, metadata: { 'msat.mean': '[0.5]' } }), undefined, 'one half only: no normalisation');
  assert.throws(
    () => normalizationOf({ ...network, metadata: { 'msat.mean': '[0.5]', 'msat.std': '[x]' } }),
    expectMetadataError(network.source, 'msat.std'),
  );
});
