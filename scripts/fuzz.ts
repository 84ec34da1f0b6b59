/**
 * `npm run fuzz -- --cases N [--seed S]`: N mutants per JSON format msat reads (see test/fuzz/file-mutants.ts),
 * each read as msat reads it; prints how many were accepted (still valid) or refused with one line naming the file,
 * per format and kind of damage. Any other outcome stops the run with the failing mutant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzFormats } from '../test/fuzz/file-mutants.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string', default: '0' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) throw new Error('--cases must be a positive integer and --seed an integer');
const dir = mkdtempSync(join(tmpdir(), 'msat-fuzz-'));
try {
  const started = performance.now();
  const table = await fuzzFormats(dir, cases, seed);
  console.log(`| format | damage | accepted | refused (one line, names the file) |`);
  console.log(`|---|---|---:|---:|`);
  for (const [format, rows] of table) {
    for (const [kind, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) console.log(`| ${format} | ${kind} | ${r.accepted} | ${r.refused} |`);
  }
  console.log(`\n${cases} mutants per format, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s; no crash, no other error`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
