/**
 * Which training samples λ is calibrated on: `'auto'` spreads N samples over a class-sorted split instead of
 * taking the first N (all of one class); an explicit stride is taken as given.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openCalibrationSet, spreadStride } from '../../src/pipeline/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-calibration-set-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('spreadStride: ⌊length / N⌋, at least 1', () => {
  assert.equal(spreadStride(50000, 200), 250);
  assert.equal(spreadStride(60000, 200), 300);
  assert.equal(spreadStride(42263, 200), 211);
  assert.equal(spreadStride(199, 200), 1);
  assert.equal(spreadStride(0, 200), 1);
});

test("openCalibrationSet on a class-sorted folder: 'auto' covers every class, every = 1 only the first", async () => {
  const root = join(tmp, 'imgs');
  for (const [c, name] of ['cat', 'dog', 'emu'].entries()) {
    for (let i = 0; i < 4; i++) {
      mkdirSync(join(root, 'train', name), { recursive: true });
      const png = await sharp(Buffer.alloc(2 * 2 * 3, 10 * c + i), { raw: { width: 2, height: 2, channels: 3 } })
        .png()
        .toBuffer();
      writeFileSync(join(root, 'train', name, `${i}.png`), png);
    }
  }
  const auto = await openCalibrationSet(root, { samples: 3 }, {});
  assert.equal(auto.every, 4);
  assert.deepEqual([...auto.dataset.labels()], [0, 1, 2]);
  const first = await openCalibrationSet(root, { samples: 3, every: 1 }, {});
  assert.equal(first.every, 1);
  assert.deepEqual([...first.dataset.labels()], [0, 0, 0]);
  const explicit = await openCalibrationSet(root, { samples: 2, every: 5 }, {});
  assert.deepEqual([...explicit.dataset.labels()], [0, 1], 'samples 0 and 5');
  // More samples than the split holds: all of them, stride 1.
  const all = await openCalibrationSet(root, { samples: 100 }, {});
  assert.equal(all.every, 1);
  assert.equal(all.dataset.length, 12);
});
