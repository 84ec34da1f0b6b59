/** The resumable trial log: records survive a reopen, a torn last line is dropped, another config is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { TrialLog, type TrialRecord } from '../../src/tune/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-tune-log-'));
const CONFIG = { seed: 1, T: 16, plan: { rungs: [8, 24], eta: 3 } };
const record = (i: number): TrialRecord => ({
  candidate: `lhs-${i}`,
  from: 0,
  to: 8,
  tallies: { samples: 8, annCorrect: 7, correct: [1, 5, 7] },
  seconds: 0.5,
});

test('records appended to a log are read back on reopen with the same config (key order does not matter)', async () => {
  const path = join(dir, 'a.jsonl');
  const log = await TrialLog.open(path, CONFIG);
  assert.deepEqual(log.resumed, []);
  await log.append(record(0));
  await log.append(record(1));
  await log.close();
  const again = await TrialLog.open(path, { plan: { eta: 3, rungs: [8, 24] }, T: 16, seed: 1 });
  assert.deepEqual(again.resumed, [record(0), record(1)]);
  await again.append(record(2));
  await again.close();
  assert.equal((await TrialLog.open(path, CONFIG)).resumed.length, 3);
});

test('a torn last line (interrupted write) is dropped and the log stays appendable', async () => {
  const path = join(dir, 'b.jsonl');
  const log = await TrialLog.open(path, CONFIG);
  await log.append(record(0));
  await log.close();
  appendFileSync(path, '{"type":"trial","candidate":"lhs-1","fro');
  const again = await TrialLog.open(path, CONFIG);
  assert.deepEqual(again.resumed, [record(0)]);
  await again.append(record(1));
  await again.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(lines.length, 3);
  for (const l of lines) JSON.parse(l);
});

test('a log written with another configuration is refused with TUNE_RESUME_MISMATCH naming the difference; restart discards it', async () => {
  const path = join(dir, 'c.jsonl');
  const log = await TrialLog.open(path, CONFIG);
  await log.append(record(0));
  await log.close();
  await assert.rejects(
    TrialLog.open(path, { ...CONFIG, seed: 2 }),
    (e) => isMsatError(e) && e.code === 'TUNE_RESUME_MISMATCH' && /seed: 1 → 2/.test(e.message),
  );
  const fresh = await TrialLog.open(path, { ...CONFIG, seed: 2 }, { restart: true });
  assert.deepEqual(fresh.resumed, []);
  await fresh.close();
});
