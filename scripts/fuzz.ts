/**
 * `npm run fuzz -- --cases N [--seed S] [--family json,onnx,data,flags]`: N mutants per JSON format msat reads
 * (test/fuzz/file-mutants.ts), N mutants of real ONNX models (test/fuzz/onnx-mutants.ts), N mutants per dataset
 * format (test/fuzz/dataset-mutants.ts) and N values per CLI flag parser (test/fuzz/flag-values.ts), each read as msat
 * reads it; prints how many were accepted (still valid) or refused with one line naming the file (flags: a one-line
 * usage error), per format and kind of damage. Any other outcome stops the run with the failing mutant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzDatasets } from '../test/fuzz/dataset-mutants.js';
import { fuzzFormats, type Outcome } from '../test/fuzz/file-mutants.js';
import { fuzzFlags } from '../test/fuzz/flag-values.js';
import { fuzzOnnx } from '../test/fuzz/onnx-mutants.js';

const FAMILIES = ['json', 'onnx', 'data', 'flags'] as const;
const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '0' },
    family: { type: 'string', default: FAMILIES.join(',') },
  },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
const families = values.family.split(',');
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) throw new Error('--cases must be a positive integer and --seed an integer');
if (families.some((f) => !(FAMILIES as readonly string[]).includes(f))) throw new Error(`--family takes ${FAMILIES.join(', ')}`);

type Rows = Map<string, Record<Outcome, number>>;
const sorted = (rows: Rows): [string, Record<Outcome, number>][] => [...rows].sort(([a], [b]) => a.localeCompare(b));

/** Runs `f`, then prints its time. */
async function timed(what: string, f: () => Promise<void> | void): Promise<void> {
  const started = performance.now();
  await f();
  console.log(`\n${what}, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s; no crash, no other error\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'msat-fuzz-'));
try {
  if (families.includes('json')) {
    await timed(`${cases} mutants per JSON format`, async () => {
      const table = await fuzzFormats(dir, cases, seed);
      console.log(`| format | damage | accepted | refused (one line, names the file) |`);
      console.log(`|---|---|---:|---:|`);
      for (const [format, rows] of table) for (const [kind, r] of sorted(rows)) console.log(`| ${format} | ${kind} | ${r.accepted} | ${r.refused} |`);
    });
  }
  if (families.includes('onnx')) {
    await timed(`${cases} ONNX mutants over the test fixtures`, async () => {
      const rows = await fuzzOnnx(join(dir, 'onnx'), cases, seed);
      console.log(`| ONNX damage | accepted | refused (one line, names the file) |`);
      console.log(`|---|---:|---:|`);
      for (const [kind, r] of sorted(rows)) console.log(`| ${kind} | ${r.accepted} | ${r.refused} |`);
    });
  }
  if (families.includes('data')) {
    await timed(`${cases} mutants per dataset format`, async () => {
      const { table, skipped } = await fuzzDatasets(join(dir, 'data'), cases, seed);
      const kinds = [...new Set([...table.values()].flatMap((rows) => [...rows.keys()]))].sort();
      console.log(`| dataset format | ${kinds.join(' | ')} |`);
      console.log(`|---|${kinds.map(() => '---:').join('|')}|`);
      for (const [format, rows] of table) {
        const cells = kinds.map((k) => (rows.has(k) ? `${rows.get(k)!.accepted} / ${rows.get(k)!.refused}` : '–'));
        console.log(`| ${format} | ${cells.join(' | ')} |`);
      }
      console.log('\n(accepted / refused with one line naming the file)');
      for (const [format, why] of skipped) console.log(`${format}: skipped, ${why}`);
    });
  }
  if (families.includes('flags')) {
    await timed(`${cases} values per flag parser`, () => {
      const rows = fuzzFlags(cases, seed);
      console.log(`| flag parser | accepted | refused (one-line usage error) |`);
      console.log(`|---|---:|---:|`);
      for (const [parser, r] of rows) console.log(`| ${parser} | ${r.accepted} | ${r.refused} |`);
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
