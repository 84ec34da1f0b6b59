/**
 * Exact float64 sums whose result does not depend on the order of the terms: a sum is kept as non-overlapping
 * partials (Shewchuk's expansion, as Python's `math.fsum`) and rounded once at the end. The rate correlation
 * adds one term per sample and channel; kept this way, a run split into batches, workers or shards on other
 * machines gives the same correlation to the last bit.
 */

/** Adds `x` to the expansion `partials` in place (finite numbers). */
export function addExact(partials: number[], x: number): void {
  let used = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j];
    if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[used++] = lo;
    x = hi;
  }
  partials.length = used;
  partials.push(x);
}

/** Adds every term of `b` to `a` in place. */
export function addExactSums(a: number[], b: readonly number[]): void {
  for (const x of b) addExact(a, x);
}

/** The expansion's value, correctly rounded (round half to even), as CPython's `fsum` rounds it. */
export function exactValue(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // the rest lies on the same side as lo: if lo is exactly half an ulp, round away from hi towards the rest
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
