/**
 * Flag parsers shared by the commands; each turns a string into a typed value or a usage error. Numbers are read
 * with `Number`, so `1e3`, `0x10` and surrounding spaces are accepted; a blank value is never a number (`Number`
 * would read it as 0), and an integer must be exact (at most 2^53 − 1: `1e300` is not a count). Messages quote the
 * value as JSON, so a value holding a line break still gives a one-line message.
 */
import { InvalidArgumentError } from 'commander';

/** The number `value` spells, or NaN for a blank value. */
function toNumber(value: string): number {
  return value.trim() === '' ? NaN : Number(value);
}

function invalid(expected: string, value: string): InvalidArgumentError {
  return new InvalidArgumentError(`expected ${expected}, got ${JSON.stringify(value)}`);
}

export function parsePositiveInt(value: string): number {
  const n = toNumber(value);
  if (!Number.isSafeInteger(n) || n < 1) throw invalid('a positive integer', value);
  return n;
}

/** A positive integer or the word `auto`. */
export function parsePositiveIntOrAuto(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = toNumber(value);
  if (!Number.isSafeInteger(n) || n < 1) throw invalid('a positive integer or "auto"', value);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = toNumber(value);
  if (!Number.isSafeInteger(n) || n < 0) throw invalid('a non-negative integer', value);
  return n;
}

/** "0.49,0.48,0.45" -> [0.49, 0.48, 0.45] */
export function parseNumberList(value: string): number[] {
  const nums = value.split(',').map(toNumber);
  if (nums.some((n) => !Number.isFinite(n))) throw invalid('comma-separated numbers', value);
  return nums;
}

export function parseSplit(value: string): 'train' | 'validation' | 'test' {
  if (value !== 'train' && value !== 'validation' && value !== 'test') throw invalid('train, validation or test', value);
  return value;
}

/** A split of the commands whose results record train or test only. */
export function parseTrainOrTestSplit(value: string): 'train' | 'test' {
  if (value !== 'train' && value !== 'test') throw invalid('train or test', value);
  return value;
}

/** Any integer (at most 2^53 − 1 in size). */
export function parseInteger(value: string): number {
  const n = toNumber(value);
  if (!Number.isSafeInteger(n)) throw invalid('an integer', value);
  return n;
}

export function parseNonNegativeNumber(value: string): number {
  const n = toNumber(value);
  if (!Number.isFinite(n) || n < 0) throw invalid('a number >= 0', value);
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = toNumber(value);
  if (!Number.isFinite(n) || n <= 0) throw invalid('a number > 0', value);
  return n;
}

/** A fraction in the open interval (0, 1). */
export function parseFraction(value: string): number {
  const v = toNumber(value);
  if (!(v > 0 && v < 1)) throw invalid('a fraction in (0, 1)', value);
  return v;
}

/** An integer ≥ 2: a stride that leaves samples out (`--eval-every`). */
export function parseStride(value: string): number {
  const k = toNumber(value);
  if (!Number.isSafeInteger(k) || k < 2) throw invalid('an integer ≥ 2', value);
  return k;
}

/** A confidence level in [0.5, 1) (`--exit-level`). */
export function parseConfidenceLevel(value: string): number {
  const p = toNumber(value);
  if (!(p >= 0.5 && p < 1)) throw invalid('a confidence in [0.5, 1)', value);
  return p;
}

/** A percentile p in (0, 1]; 1 is the maximum. */
export function parsePercentile(value: string): number {
  const p = toNumber(value);
  if (!(p > 0 && p <= 1)) throw invalid('a percentile in (0, 1]', value);
  return p;
}

/**
 * An integer in [min, max]: resource flags (threads, workers, image scale) get an upper bound, because a value far
 * beyond the machine only costs memory (each thread and worker holds buffers; a PNG grows with the scale squared).
 */
export function parseIntInRange(min: number, max: number, why: string): (value: string) => number {
  return (value) => {
    const n = toNumber(value);
    if (!Number.isInteger(n) || n < min || n > max) throw invalid(`an integer from ${min} to ${max} (${why})`, value);
    return n;
  };
}

/** One of `values` (a flag whose choices are words). */
export function parseOneOf<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw invalid(`one of ${values.join(', ')}`, value);
    return value as T;
  };
}

/**
 * `--hp`: the six MSAT hyper-parameters alpha,ka,ki,C,taump,taurd as numbers, ki and C (divisors) positive. The
 * flag keeps its text (the library parses it again); this refuses a bad list while the command line is read.
 */
export function parseHyperParamList(value: string): string {
  const v = value.split(',').map(toNumber);
  if (v.length !== 6 || v.some((x) => !Number.isFinite(x))) throw invalid('six numbers alpha,ka,ki,C,taump,taurd', value);
  if (!(v[2] > 0) || !(v[3] > 0)) throw invalid('ki and C (the 3rd and 4th numbers, divisors) > 0', value);
  return value;
}
