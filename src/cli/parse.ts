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
