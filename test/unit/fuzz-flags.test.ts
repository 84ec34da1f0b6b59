// Every number, list and word flag parser of the CLI, given blanks, NaN, Infinity, negatives, huge, tiny and inexact
// numbers, hex, list slips, line breaks and random strings: it returns a value that keeps the flag's promise or
// throws commander's usage error (exit code 2) with one line quoting the value. 300 seeded values per parser here;
// `npm run fuzz -- --cases N` runs more. test/integration/cli-flag-errors.test.ts runs the worst through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseHyperParamList, parseInteger, parseNonNegativeInt, parsePositiveInt } from '../../src/cli/parse.js';
import { FLAG_PARSERS, fuzzFlags } from '../fuzz/flag-values.js';

test('random flag values parse to values that keep the flag promise or give a one-line usage error', () => {
  const counts = fuzzFlags(300);
  assert.deepEqual(
    [...counts.keys()],
    FLAG_PARSERS.map((p) => p.name),
  );
  for (const [parser, r] of counts) assert.ok(r.refused > 0, `${parser}: no value refused`);
  assert.ok([...counts.values()].reduce((n, r) => n + r.accepted, 0) > 300, 'few values accepted');
});

// Found by the fuzzing: each of these was read as a number.
test('integer flags refuse numbers beyond 2^53 and blank values', () => {
  for (const value of ['1e300', '1e20', '9007199254740993', '2e53']) {
    assert.throws(() => parsePositiveInt(value), InvalidArgumentError, value);
    assert.throws(() => parseInteger(value), InvalidArgumentError, value);
  }
  assert.equal(parsePositiveInt('9007199254740991'), 2 ** 53 - 1);
  for (const value of ['', ' ', '\t'])
    assert.throws(() => parseNonNegativeInt(value), { message: `expected a non-negative integer, got ${JSON.stringify(value)}` });
});

test('a usage error quotes the value as JSON, so a line break in it stays on one line', () => {
  assert.throws(() => parsePositiveInt('1\n2'), { message: 'expected a positive integer, got "1\\n2"' });
});

test('--hp takes six numbers with ki and C above 0, and refuses empty entries', () => {
  assert.equal(parseHyperParamList('0.03, 1, 1, 5, 1, 1'), '0.03, 1, 1, 5, 1, 1');
  for (const value of ['1,,1,5,1,1', '0.03,1,1,5,1', '0.03,1,1,5,1,1,1', 'NaN,1,1,5,1,1', '0.03,1,0,5,1,1', '0.03,1,1,-5,1,1']) {
    assert.throws(() => parseHyperParamList(value), InvalidArgumentError, value);
  }
});
