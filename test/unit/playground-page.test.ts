/**
 * The playground page's pure parts: a drawn digit becomes an MNIST-like 28 × 28 image (its ink fits a 20 × 20
 * box, its centre of mass at the centre), pixels are normalised exactly as msat's data loader normalises them,
 * and the raster's neuron picks are distinct indices inside the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNormalizationTables } from '../../src/data/index.js';
import { mnistFromDrawing, normalizePixels } from '../../src/playground/page/digit-image.js';
import { pickNeurons } from '../../src/playground/page/neuron-picks.js';
import { readoutHeading, shownExitRule } from '../../src/playground/page/readout-track.js';

test('mnistFromDrawing: an off-centre stroke is scaled into 20 px and centred by its centre of mass', () => {
  const size = 280;
  const ink = new Float32Array(size * size);
  // a vertical bar 100 px tall, 20 px wide, in the drawing's top-left corner
  for (let y = 10; y < 110; y++) for (let x = 30; x < 50; x++) ink[y * size + x] = 1;
  const img = mnistFromDrawing(ink, size);
  const rows = [];
  const cols = [];
  let mass = 0;
  let my = 0;
  let mx = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x];
      if (v === 0) continue;
      rows.push(y);
      cols.push(x);
      mass += v;
      my += v * (y + 0.5);
      mx += v * (x + 0.5);
    }
  }
  assert.equal(Math.max(...rows) - Math.min(...rows) + 1, 20, 'the longer side becomes 20 px');
  assert.equal(Math.max(...cols) - Math.min(...cols) + 1, 4, 'aspect kept: 20 × 100 → 4 × 20');
  assert.ok(Math.abs(my / mass - 14) <= 0.5 && Math.abs(mx / mass - 14) <= 0.5, `centre of mass at (${mx / mass}, ${my / mass})`);
  assert.equal(Math.max(...img), 255);
  assert.deepEqual(mnistFromDrawing(new Float32Array(size * size), size), new Uint8Array(784), 'nothing drawn: a blank image');
});

test('normalizePixels equals the data loader normalisation tables, value for value', () => {
  const bytes = Uint8Array.from({ length: 3 * 256 }, (_, i) => i % 256);
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.2435, 0.2616];
  const luts = buildNormalizationTables(mean, std, 3, 'test');
  const x = normalizePixels(bytes, 3, mean, std);
  for (let i = 0; i < bytes.length; i++) assert.equal(x[i], luts[Math.floor(i / 256)][bytes[i]]);
});

test('pickNeurons: distinct indices inside the layer, conv picks at the map centre of spread channels', () => {
  for (const dims of [[32, 28, 28], [64, 14, 14], [128], [10], [4, 5, 5]]) {
    const size = dims.reduce((a, d) => a * d, 1);
    const picks = pickNeurons(dims, 48);
    assert.equal(picks.length, Math.min(48, size));
    assert.equal(new Set(picks).size, picks.length, `${dims}: distinct`);
    assert.ok(
      picks.every((i) => i >= 0 && i < size),
      `${dims}: inside`,
    );
  }
  const conv = pickNeurons([32, 28, 28], 32);
  assert.deepEqual(
    Array.from(conv, (i) => [Math.floor(i / 784), i % 784]),
    Array.from({ length: 32 }, (_, c) => [c, 14 * 28 + 14]),
  );
});

test('readoutHeading: the bars are named after the readout the exit rule reads; the rule is shown with its policy abbreviated', () => {
  assert.equal(readoutHeading(undefined, 10), 'Σ readout per class (10)');
  assert.equal(readoutHeading('stable:2', 10), 'Σ readout per class (10)');
  assert.equal(readoutHeading('confidence:0.85,max:48,decay:0.8', 12), 'leaky readout (β = 0.8) per class (12)');
  const settled = 'settled:0.9,policy:5.54822/-4.92154/-0.773262/-0.10134/-1.33429/4.31744/0.235913/-1.60491,max:32,decay:0.9';
  assert.equal(readoutHeading(settled, 12), 'leaky readout (β = 0.9) per class (12)');
  assert.equal(shownExitRule(settled), 'settled:0.9,policy:…,max:32,decay:0.9');
  assert.equal(shownExitRule('stable:2'), 'stable:2');
});
