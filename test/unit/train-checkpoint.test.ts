// Checkpoint files: the JSON header and raw little-endian float32 tensors written by saveCheckpoint read back
// identically (bit for bit, including -0, subnormals and the largest float32), damage is a clear error, and a
// save interrupted between its two renames is recovered or refused, never paired with the wrong header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/index.js';

test('checkpoint: float32 values round-trip bit for bit; a truncated tensor file is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-ckpt-'));
  try {
    const state = new Map([
      ['a', Float32Array.of(1.5, -0, Number.MIN_VALUE, 3.4e38)],
      ['b:momentum', Float32Array.of(Math.PI)],
    ]);
    const dims = new Map([
      ['a', [2, 2]],
      ['b:momentum', [1]],
    ]);
    const path = await saveCheckpoint(
      join(dir, 'checkpoint.json'),
      { epoch: 3, step: 30, rng: { seed: 9, epoch: 3, scheme: 'derived-per-epoch' }, config: { x: 1 }, history: [] },
      state,
      dims,
    );
    const back = await loadCheckpoint(path);
    assert.equal(back.header.epoch, 3);
    assert.deepEqual(back.header.config, { x: 1 });
    assert.deepEqual(back.state, state);
    writeFileSync(join(dir, 'checkpoint.bin'), new Uint8Array(8));
    await assert.rejects(
      loadCheckpoint(path),
      (e: Error & { code?: string }) => e.code === 'TRAIN_CHECKPOINT' && /truncated: tensor a/.test(e.message),
    );
    await assert.rejects(loadCheckpoint(join(dir, 'missing.json')), /cannot read the checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const rng = (epoch: number) => ({ seed: 9, epoch, scheme: 'derived-per-epoch' as const });
const history = (epochs: number) =>
  Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    lr: 0.1,
    trainLoss: 1,
    trainAccuracy: 0.5,
    valLoss: 1,
    valAccuracy: 0.5,
    stepsPerSecond: Infinity,
    samplesPerSecond: 10,
    seconds: 0,
  }));
const dims = new Map([['w', [2]]]);
const save = (dir: string, epoch: number, w: number) =>
  saveCheckpoint(
    join(dir, 'checkpoint.json'),
    { epoch, step: epoch * 10, rng: rng(epoch), config: { x: 1 }, history: history(epoch) },
    new Map([['w', Float32Array.of(w, -w)]]),
    dims,
  );

test('checkpoint: a save killed between its renames is recovered; a binary from another save is refused naming the files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-ckpt-torn-'));
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    await save(a, 1, 1);
    await save(b, 2, 2);
    const back = await loadCheckpoint(join(a, 'checkpoint.json'));
    assert.equal(back.header.history[0].stepsPerSecond, Infinity, 'a rate over a stopped clock comes back as written');
    assert.equal(back.header.version, 2);
    // Killed after the header's rename, before the binary's: the new header, the old binary, the new one pending.
    const torn = join(dir, 'torn');
    cpSync(a, torn, { recursive: true });
    copyFileSync(join(b, 'checkpoint.json'), join(torn, 'checkpoint.json'));
    copyFileSync(join(b, 'checkpoint.bin'), join(torn, 'checkpoint.bin.tmp'));
    const recovered = await loadCheckpoint(join(torn, 'checkpoint.json'));
    assert.equal(recovered.header.epoch, 2);
    assert.deepEqual(recovered.state.get('w'), Float32Array.of(2, -2));
    // The binary of another save beside this header (what the old rename order left): refused, not paired.
    const mixed = join(dir, 'mixed');
    cpSync(a, mixed, { recursive: true });
    copyFileSync(join(b, 'checkpoint.bin'), join(mixed, 'checkpoint.bin'));
    await assert.rejects(loadCheckpoint(join(mixed, 'checkpoint.json')), (e: unknown) => {
      assert.ok(isMsatError(e) && e.code === 'TRAIN_CHECKPOINT', String(e));
      assert.ok(e.message.startsWith(`${join(mixed, 'checkpoint.bin')} does not belong to ${join(mixed, 'checkpoint.json')}: `), e.message);
      assert.match(e.message, /a save was interrupted, or the files come from different saves/);
      return true;
    });
    // A checkpoint written before the header recorded its binary (version 1) still loads.
    const v1 = JSON.parse(readFileSync(join(a, 'checkpoint.json'), 'utf8'));
    delete v1.dataBytes;
    delete v1.dataSha256;
    writeFileSync(join(a, 'checkpoint.json'), JSON.stringify({ ...v1, version: 1 }));
    assert.deepEqual((await loadCheckpoint(join(a, 'checkpoint.json'))).state.get('w'), Float32Array.of(1, -1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint: a first save killed between its renames has only the pending binary; resuming renames it into place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-ckpt-first-'));
  try {
    await save(dir, 1, 1);
    renameSync(join(dir, 'checkpoint.bin'), join(dir, 'checkpoint.bin.tmp'));
    const path = join(dir, 'checkpoint.json');
    assert.deepEqual((await loadCheckpoint(path)).state.get('w'), Float32Array.of(1, -1));
    assert.ok(!existsSync(join(dir, 'checkpoint.bin')), 'a plain load changes nothing');
    // Completed, the interrupted save no longer depends on the `.bin.tmp` that the next save overwrites.
    assert.deepEqual((await loadCheckpoint(path, { complete: true })).state.get('w'), Float32Array.of(1, -1));
    assert.ok(existsSync(join(dir, 'checkpoint.bin')) && !existsSync(join(dir, 'checkpoint.bin.tmp')));
    writeFileSync(join(dir, 'checkpoint.bin.tmp'), new Uint8Array(3));
    assert.deepEqual((await loadCheckpoint(path)).state.get('w'), Float32Array.of(1, -1));
    rmSync(join(dir, 'checkpoint.bin'));
    await assert.rejects(loadCheckpoint(path), /checkpoint\.bin: cannot read the checkpoint's tensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint: a damaged header is TRAIN_CHECKPOINT naming the file and the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-ckpt-header-'));
  try {
    const path = await save(dir, 3, 1);
    const good = readFileSync(path, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const cases: Array<[string, (h: any) => void, string, RegExp]> = [
      ['epoch as text', (h) => (h.epoch = '3'), 'epoch', /expected a whole number ≥ 0, got "3"/],
      ['missing step', (h) => delete h.step, 'step', /got nothing \(missing\)/],
      ['rng epoch', (h) => (h.rng.epoch = 2), 'rng.epoch', /expected the checkpoint's epoch \(3\), got 2/],
      ['history', (h) => (h.history[1].valAccuracy = 7), 'history[1].valAccuracy', /expected an accuracy in \[0, 1\], got 7/],
      ['version', (h) => (h.version = 3), 'version', /expected version 1 or 2/],
      ['format', (h) => (h.format = 'other'), 'format', /not an msat checkpoint/],
      ['no digest', (h) => delete h.dataSha256, 'dataSha256', /expected the SHA-256 of the binary file/],
      ['duplicate tensor', (h) => h.tensors.push({ ...h.tensors[0], offset: 2 }), 'tensors[1].name', /tensor "w" appears twice/],
      [
        'overlap',
        (h) => h.tensors.push({ name: 'v', dims: [1], offset: 0 }),
        'tensors[1].offset',
        /expected 2 \(right after the tensor before\), got 0/,
      ],
    ];
    for (const [name, damage, where, pattern] of cases) {
      const h = JSON.parse(good);
      damage(h);
      writeFileSync(path, JSON.stringify(h));
      await assert.rejects(loadCheckpoint(path), (e: unknown) => {
        assert.ok(isMsatError(e) && e.code === 'TRAIN_CHECKPOINT', `${name}: ${String(e)}`);
        assert.ok(e.message.startsWith(`${path}: ${where}: `), `${name}: ${e.message}`);
        assert.match(e.message, pattern, name);
        return true;
      });
    }
    writeFileSync(path, good.replace('"step": 30', '"step": 30, "step": 31'));
    await assert.rejects(
      loadCheckpoint(path),
      (e: unknown) => isMsatError(e) && e.message === `${path}: step: duplicate key (JSON would keep only the last one)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
