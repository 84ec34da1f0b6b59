/**
 * Normalization arithmetic and option validation: the lookup tables must equal the double-precision formula
 * (x/255 − mean)/std rounded once to float32, and HWC input must land in CHW order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsatError } from '../../src/core/index.js';
import { buildNormalizationTables, resolveDatasetOptions } from '../../src/data/index.js';
import { normalizeChw, normalizeHwc } from '../../src/data/normalize.js';

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => isMsatError(e) && e.code === code && pattern.test(e.message));
}

test('tables equal fround((v/255 - mean[c]) / std[c]) for every byte and channel', () => {
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.2435, 0.2616];
  const luts = buildNormalizationTables(mean, std, 3, 'test');
  assert.equal(luts.length, 3);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) assert.equal(luts[c][v], Math.fround((v / 255 - mean[c]) / std[c]), `c=${c} v=${v}`);
  }
  // Known values: 0 → -mean/std, 255 → (1 - mean)/std.
  assert.equal(luts[0][0], Math.fround(-0.4914 / 0.247));
  assert.equal(luts[2][255], Math.fround((1 - 0.4465) / 0.2616));
});

test('defaults (mean 0, std 1) give v/255, and one value is broadcast to every channel', () => {
  const [plain] = buildNormalizationTables([0], [1], 1, 'test');
  for (let v = 0; v < 256; v++) assert.equal(plain[v], Math.fround(v / 255));
  assert.equal(plain[255], 1);
  const luts = buildNormalizationTables([0.5], [0.25], 3, 'test');
  for (const lut of luts) assert.equal(lut[51], Math.fround((0.2 - 0.5) / 0.25));
});

test('mean/std of the wrong length is DATA_OPTIONS naming the dataset and channel count', () => {
  throwsCode(
    () => buildNormalizationTables([0.1, 0.2], [1], 3, 'data/cifar'),
    'DATA_OPTIONS',
    /mean has 2 values but data\/cifar has 3 channels; give 1 value \(used for every channel\) or 3/,
  );
  throwsCode(() => buildNormalizationTables([0.1], [1, 2, 3], 1, 'mnist'), 'DATA_OPTIONS', /std has 3 values but mnist has 1 channel; give 1 value/);
});

test("a model's normalisation of another channel count is DATA_SHAPE; a std that overflows float32 is refused", () => {
  throwsCode(
    () => buildNormalizationTables([0.49, 0.48, 0.45], [0.25, 0.24, 0.26], 1, 'mnist', 'm.onnx (input [N, 3, 32, 32])'),
    'DATA_SHAPE',
    /mnist has 1-channel samples, but m\.onnx \(input \[N, 3, 32, 32\]\) normalises 3 channels: the data does not have the input shape the model takes/,
  );
  throwsCode(
    () => buildNormalizationTables([0], [1e-45], 1, 'mnist'),
    'DATA_OPTIONS',
    /mean 0 and std 1e-45 of channel 0 make normalised pixels of mnist overflow float32/,
  );
});

test('normalizeHwc transposes interleaved pixels to planar CHW; normalizeChw keeps planes', () => {
  const luts = buildNormalizationTables([0], [1 / 255], 3, 'test'); // maps byte v to exactly v
  const hwc = Uint8Array.from([1, 2, 3, 4, 5, 6]); // two pixels, RGB
  const out = new Float32Array(8).fill(-1);
  normalizeHwc(hwc, out, 1, 2, luts);
  assert.deepEqual([...out], [-1, 1, 4, 2, 5, 3, 6, -1]);
  const chw = Uint8Array.from([9, 9, 1, 4, 2, 5, 3, 6]);
  const out2 = new Float32Array(6);
  normalizeChw(chw, 2, out2, 0, 2, luts);
  assert.deepEqual([...out2], [1, 4, 2, 5, 3, 6]);
});

test('resolveDatasetOptions: defaults, resize plans and invalid values', () => {
  const d = resolveDatasetOptions();
  assert.equal(d.split, 'test');
  assert.equal(d.splitExplicit, false);
  assert.equal(d.limit, Infinity);
  assert.deepEqual([d.mean, d.std], [[0], [1]]);
  assert.equal(d.resize, undefined);
  assert.deepEqual(resolveDatasetOptions({ imageSize: 224 }).resize, { kind: 'center-crop', size: 224, resizeTo: 256 });
  assert.deepEqual(resolveDatasetOptions({ imageSize: 224, cropFraction: 0.9 }).resize, { kind: 'center-crop', size: 224, resizeTo: 249 });
  assert.deepEqual(resolveDatasetOptions({ imageSize: 64, centerCrop: false }).resize, { kind: 'stretch', size: 64 });
  throwsCode(() => resolveDatasetOptions({ limit: 0 }), 'DATA_OPTIONS', /limit must be a positive integer, got 0/);
  throwsCode(() => resolveDatasetOptions({ limit: 2.5 }), 'DATA_OPTIONS', /limit/);
  throwsCode(() => resolveDatasetOptions({ std: [0.5, 0] }), 'DATA_OPTIONS', /std must be one or more positive numbers/);
  throwsCode(() => resolveDatasetOptions({ mean: [] }), 'DATA_OPTIONS', /mean must be one or more finite numbers/);
  throwsCode(() => resolveDatasetOptions({ mean: [Number.NaN] }), 'DATA_OPTIONS', /mean/);
  throwsCode(() => resolveDatasetOptions({ split: 'val' as 'test' }), 'DATA_OPTIONS', /split must be 'train', 'validation' or 'test'/);
  throwsCode(() => resolveDatasetOptions({ centerCrop: true }), 'DATA_OPTIONS', /need imageSize/);
  throwsCode(() => resolveDatasetOptions({ imageSize: 224, cropFraction: 1.2 }), 'DATA_OPTIONS', /cropFraction/);
  throwsCode(() => resolveDatasetOptions({ concurrency: 0 }), 'DATA_OPTIONS', /concurrency/);
});
