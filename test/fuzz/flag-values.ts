/**
 * Values a user may type for the CLI's number, list and word flags (blank, NaN, Infinity, negatives, huge and
 * tiny numbers, hex, garbage, line breaks, random strings) and what each flag parser must do with them: return a
 * value that keeps the flag's promise (a positive integer is an exact positive integer, a list holds finite
 * numbers, ...) or throw commander's `InvalidArgumentError` (the CLI's usage error, exit code 2) with a one-line
 * message quoting the value. Used by test/unit/fuzz-flags.test.ts and scripts/fuzz.ts.
 */
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import {
  parseFraction,
  parseHyperParamList,
  parseInteger,
  parseIntInRange,
  parseNonNegativeInt,
  parseNonNegativeNumber,
  parseNumberList,
  parseOneOf,
  parsePercentile,
  parsePositiveInt,
  parsePositiveIntOrAuto,
  parsePositiveNumber,
  parseSplit,
  parseTrainOrTestSplit,
} from '../../src/cli/parse.js';
import { neuronConfig } from '../../src/cli/neuron-flags.js';
import { parseExecutionProviders } from '../../src/cli/global-options.js';
import type { Outcome } from './file-mutants.js';

/** A parser and the promise its values keep. */
export interface FlagParser {
  /** The parser and, for messages, flags that use it. */
  readonly name: string;
  parse(value: string): unknown;
  valid(v: unknown): boolean;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export const FLAG_PARSERS: readonly FlagParser[] = [
  { name: 'positive integer (--limit, --batch, -T)', parse: parsePositiveInt, valid: (v) => isInt(v) && v >= 1 },
  { name: 'positive integer or auto (--calib-every)', parse: parsePositiveIntOrAuto, valid: (v) => v === 'auto' || (isInt(v) && v >= 1) },
  { name: 'non-negative integer (--seed, --cutout)', parse: parseNonNegativeInt, valid: (v) => isInt(v) && v >= 0 },
  { name: 'integer (train --seed)', parse: parseInteger, valid: isInt },
  { name: 'number >= 0 (--momentum, --energy-weight)', parse: parseNonNegativeNumber, valid: (v) => isNumber(v) && v >= 0 },
  { name: 'number > 0 (--k, --lr, --width)', parse: parsePositiveNumber, valid: (v) => isNumber(v) && v > 0 },
  { name: 'fraction (--margin)', parse: parseFraction, valid: (v) => isNumber(v) && v > 0 && v < 1 },
  { name: 'percentile (--percentile)', parse: parsePercentile, valid: (v) => isNumber(v) && v > 0 && v <= 1 },
  {
    name: 'integer in a range (--threads, --workers, --png-scale)',
    parse: parseIntInRange(0, 8, 'at most 4 per core'),
    valid: (v) => isInt(v) && v >= 0 && v <= 8,
  },
  {
    name: 'number list (--mean, --std, --sc, --milestones)',
    parse: parseNumberList,
    valid: (v) => Array.isArray(v) && v.length > 0 && v.every(isNumber),
  },
  { name: 'split (--split)', parse: parseSplit, valid: (v) => v === 'train' || v === 'validation' || v === 'test' },
  { name: 'train or test split (--split of experiment results)', parse: parseTrainOrTestSplit, valid: (v) => v === 'train' || v === 'test' },
  {
    name: 'word (train --optimizer, --schedule, --weights)',
    parse: parseOneOf(['sgd', 'adamw', 'adam']),
    valid: (v) => v === 'sgd' || v === 'adamw' || v === 'adam',
  },
  {
    name: 'hyper-parameters (--hp), then the neuron settings',
    parse: (value) => neuronConfig({ method: 'msat', k: 1, gamma: 1, reset: 'soft', hp: parseHyperParamList(value) }).hp,
    valid: (hp) => {
      const v = Object.values(hp as Record<string, unknown>);
      const { ki, C } = hp as { ki: number; C: number };
      return v.length === 6 && v.every(isNumber) && ki > 0 && C > 0;
    },
  },
  {
    name: 'execution providers (--ep)',
    parse: parseExecutionProviders,
    valid: (v) =>
      Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === 'string' && /^[a-z][a-z0-9_-]*$/.test(n)) && new Set(v).size === v.length,
  },
];

/** What users and scripts get wrong: blanks, words for numbers, non-finite, out-of-range and inexact numbers, list slips. */
const TRICKY = [
  '',
  ' ',
  '\t',
  '\n',
  '1\n2',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  'undefined',
  'null',
  'true',
  '1e999',
  '-1e999',
  '1e300',
  '1e20',
  '9007199254740993',
  '2e53',
  '-0',
  '0',
  '1',
  '-1',
  '0.5',
  '1.5',
  '1e-400',
  '5e-324',
  '0x10',
  '0b11',
  '1_000',
  '1,000',
  '٣',
  '1,2',
  ',',
  '1,',
  ',1',
  '1,,2',
  '1;2',
  '1 2',
  'auto',
  'Auto',
  'train',
  'validation',
  'TEST',
  'adam',
  ' 3 ',
  '3abc',
  'abc',
  '"',
  '\u0000',
  '0.03,1,1,5,1,1',
  '0.03,1,0,5,1,1',
  '0.03,1,1,-5,1,1',
  '0.03,1,1,5,1',
  '0.03,1,1,5,1,1,1',
  '0.03,1,1,5,1,',
  'NaN,1,1,5,1,1',
];

/** Flag values: the tricky ones, numbers of every size as text, lists of them, and random strings. */
export const flagValues: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt().map(String),
  fc.array(fc.oneof(fc.double().map(String), fc.constantFrom(...TRICKY)), { minLength: 1, maxLength: 7 }).map((l) => l.join(',')),
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 12, unit: 'binary' }),
);

/**
 * Parses `value` with `parser`; returns the outcome, or throws (fails the property) for a value that breaks the
 * parser's promise or an error that is not a one-line usage error quoting the value.
 */
export function parseFlag(parser: FlagParser, value: string): Outcome {
  let v: unknown;
  try {
    v = parser.parse(value);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError))
      throw new Error(`${parser.name}: ${JSON.stringify(value)} gave a ${e instanceof Error ? e.name : typeof e}: ${String(e)}`);
    if (e.message.includes('\n') || !e.message.includes(JSON.stringify(value)))
      throw new Error(`${parser.name}: ${JSON.stringify(value)}: the message must be one line quoting the value: ${e.message}`);
    return 'refused';
  }
  if (!parser.valid(v)) throw new Error(`${parser.name}: ${JSON.stringify(value)} was read as ${JSON.stringify(v)}`);
  return 'accepted';
}

/** Runs `cases` seeded values through every parser; returns the outcome counts per parser. */
export function fuzzFlags(cases: number, seed = 0): Map<string, Record<Outcome, number>> {
  const counts = new Map<string, Record<Outcome, number>>();
  for (const [i, parser] of FLAG_PARSERS.entries()) {
    const row = { accepted: 0, refused: 0 };
    counts.set(parser.name, row);
    fc.assert(
      fc.property(flagValues, (value) => {
        row[parseFlag(parser, value)]++;
      }),
      { numRuns: cases, seed: seed + i, endOnFailure: true },
    );
  }
  return counts;
}
