/** Flag parsers shared by the commands; each turns a string into a typed value or a usage error. */
import { InvalidArgumentError } from 'commander';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** A positive integer or the word `auto`. */
export function parsePositiveIntOrAuto(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer or "auto", got "${value}"`);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

/** "0.49,0.48,0.45" -> [0.49, 0.48, 0.45] */
export function parseNumberList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError(`expected comma-separated numbers, got "${value}"`);
  }
  return nums;
}

export function parseSplit(value: string): 'train' | 'test' {
  if (value !== 'train' && value !== 'test') throw new InvalidArgumentError(`expected train or test, got "${value}"`);
  return value;
}

/** Any finite number written as an integer. */
export function parseInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

export function parseNonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  return n;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return n;
}

/** A fraction in the open interval (0, 1). */
export function parseFraction(value: string): number {
  const v = Number(value);
  if (!(v > 0 && v < 1)) throw new InvalidArgumentError(`expected a fraction in (0, 1), got "${value}"`);
  return v;
}

/** A percentile p in (0, 1]; 1 is the maximum. */
export function parsePercentile(value: string): number {
  const p = Number(value);
  if (!(p > 0 && p <= 1)) throw new InvalidArgumentError(`expected a percentile in (0, 1], got "${value}"`);
  return p;
}

/**
 * An integer in [min, max]: resource flags (threads, workers, image scale) get an upper bound, because a value far
 * beyond the machine only costs memory (each thread and worker holds buffers; a PNG grows with the scale squared).
 */
export function parseIntInRange(min: number, max: number, why: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max} (${why}), got "${value}"`);
    }
    return n;
  };
}
