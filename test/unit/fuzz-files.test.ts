// Every JSON format msat reads, mutated (values replaced by wrong types, non-finite and out-of-range numbers; keys
// deleted or duplicated; files truncated; bytes overwritten): reading a mutant returns a valid file or throws one
// MsatError line of the format's code naming the file, nothing else. 100 seeded mutants per format here;
// `npm run fuzz -- --cases N` runs more.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS, fuzzFormats } from '../fuzz/file-mutants.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('mutants of the SNN file, results, trial log and checkpoint header are read or refused with one line naming the file', async () => {
  const table = await fuzzFormats(dir, 100);
  assert.deepEqual(
    [...table.keys()],
    FORMATS.map((f) => f.name),
  );
  for (const [format, rows] of table) {
    const refused = [...rows.values()].reduce((n, r) => n + r.refused, 0);
    // damage must be noticed: most mutants of a checked format are refused
    assert.ok(refused >= 50, `${format}: only ${refused} of 100 mutants refused`);
  }
});
