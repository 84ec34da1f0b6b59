// Damaged trial logs: every line is checked against the trial schema on resume, so a damaged line, a wrong
// number of steps or two lines that disagree about the same evaluation is a TUNE_LOG error naming the file and
// the line, never a silently shortened log or a different search.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMsatError } from '../../src/core/index.js';
import { TrialLog, type TrialRecord } from '../../src/tune/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-tune-log-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = { seed: 1, T: 3 };
const steps = (candidate: string) => (candidate.endsWith('@T5') ? 5 : 3);
const record = (i: number, correct = [1, 5, 7]): TrialRecord => ({
  candidate: `lhs-${i}`,
  from: 0,
  to: 8,
  tallies: { samples: 8, annCorrect: 7, correct },
  seconds: 0.5,
});

/** A log with records 0 and 1 and `extra` (raw lines) after them. */
async function logWith(name: string, ...extra: string[]): Promise<string> {
  const path = join(dir, `${name}.jsonl`);
  const log = await TrialLog.open(path, CONFIG);
  await log.append(record(0));
  await log.append(record(1));
  await log.close();
  for (const line of extra) appendFileSync(path, `${line}\n`);
  return path;
}

function expectLogError(path: string, where: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'TUNE_LOG', e.message);
    assert.ok(e.message.startsWith(`${path}: ${where}`), e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

const line = (r: object) => JSON.stringify({ type: 'trial', ...r });

test('a good log round-trips; a record of another horizon has its own T; an identical repeated line counts once', async () => {
  const path = await logWith(
    'good',
    line({ ...record(2), candidate: 'lhs-2@T5', tallies: { samples: 8, annCorrect: 7, correct: [0, 1, 2, 3, 4] } }),
    line(record(1)),
  );
  const log = await TrialLog.open(path, CONFIG, { steps });
  assert.deepEqual(
    log.resumed.map((r) => r.candidate),
    ['lhs-0', 'lhs-1', 'lhs-2@T5'],
  );
  assert.deepEqual(log.resumed[0], record(0));
  await log.close();
});

test('each kind of damaged line is TUNE_LOG naming the file, the line and the path', async () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['tallies-null', line({ ...record(2), tallies: null }), 'line 4: tallies', /expected an object, got null/],
    ['wrong-length', line(record(2, [1, 2])), 'line 4: tallies.correct', /expected 3 entries, one per step \(T = 3\), got 2/],
    ['conflict', line(record(1, [1, 5, 8])), 'line 4', /trial lhs-1 on samples \[0, 8\) is also on line 3 with other tallies/],
    ['missing', line({ ...record(2), from: undefined }), 'line 4: from', /expected a whole number ≥ 0, got nothing \(missing\)/],
    ['wrong-type', line({ ...record(2), to: '8' }), 'line 4: to', /got "8"/],
    ['too-many-correct', line(record(2, [1, 9, 7])), 'line 4: tallies.correct[1]', /expected at most 8 \(the samples\), got 9/],
    ['samples-range', line({ ...record(2), to: 9 }), 'line 4: tallies.samples', /expected 9 \(to − from\), got 8/],
    ['infinite', line(record(2)).replace('"seconds":0.5', '"seconds":1e999'), 'line 4: seconds', /got Infinity/],
    ['duplicate-key', line(record(2)).replace('"from":0', '"from":0,"from":4'), 'line 4: from', /duplicate key/],
    ['unknown-field', line({ ...record(2), score: 3 }), 'line 4: score', /unknown field/],
    ['garbage', '{"type":"trial","cand', 'line 4', /not valid JSON/],
    ['blank', '', 'line 4', /not valid JSON/],
  ];
  for (const [name, extra, where, pattern] of cases) {
    const path = await logWith(name, extra, line(record(3)));
    await assert.rejects(TrialLog.open(path, CONFIG, { steps }), expectLogError(path, where, pattern), name);
  }
});

test('a damaged header or another format version is refused', async () => {
  const path = await logWith('header');
  const lines = readFileSync(path, 'utf8').split('\n');
  writeFileSync(path, [lines[0].replace('"msat-tune-log"', '"other"'), ...lines.slice(1)].join('\n'));
  await assert.rejects(
    TrialLog.open(path, CONFIG),
    (e) =>
      isMsatError(e) &&
      e.code === 'TUNE_LOG' &&
      e.message.startsWith(`${path} is not an msat tune trial log (line 1: format: expected "msat-tune-log", got "other")`),
  );
  writeFileSync(path, [lines[0].replace('"version":1', '"version":2'), ...lines.slice(1)].join('\n'));
  await assert.rejects(TrialLog.open(path, CONFIG), (e) => isMsatError(e) && e.code === 'TUNE_RESUME_MISMATCH' && /log version 2/.test(e.message));
});
