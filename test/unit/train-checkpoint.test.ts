// Checkpoint files: the JSON header and raw little-endian float32 tensors written by saveCheckpoint read back
// identically (bit for bit, including -0, subnormals and the largest float32), and damage is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/index.js';

test('checkpoint: float32 values round-trip bit for bit; a truncated tensor file is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-ckpt-'));
  try {
    const state = new Map([['a', Float32Array.of(1.5, -0, Number.MIN_VALUE, 3.4e38)], ['b:momentum', Float32Array.of(Math.PI)]]);
    const dims = new Map([['a', [2, 2]], ['b:momentum', [1]]]);
    const path = await saveCheckpoint(join(dir, 'checkpoint.json'), { epoch: 3, step: 30, rng: { seed: 9, epoch: 3, scheme: 'derived-per-epoch' }, config: { x: 1 }, history: [] }, state, dims);
    const back = await loadCheckpoint(path);
    assert.equal(back.header.epoch, 3);
    assert.deepEqual(back.header.config, { x: 1 });
    assert.deepEqual(back.state, state);
    writeFileSync(join(dir, 'checkpoint.bin'), new Uint8Array(8));
    await assert.rejects(loadCheckpoint(path), (e: Error & { code?: string }) => e.code === 'TRAIN_CHECKPOINT' && /truncated: tensor a/.test(e.message));
    await assert.rejects(loadCheckpoint(join(dir, 'missing.json')), /cannot read the checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
