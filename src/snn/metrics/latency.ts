import { MsatError } from '../../core/index.js';

/**
 * When an accuracy curve counts as having reached a target:
 * - `first-reach` (default; the reading of the paper's "steps to ANN − 1 %" column, docs/method.md §7): the first
 *   step t with acc(t) ≥ target.
 * - `stays-above`: the first step t with acc(t') ≥ target for every t' ≥ t up to T; stricter, and immune to a
 *   lucky early step.
 */
export type LatencyRule = { readonly kind: 'first-reach' } | { readonly kind: 'stays-above' };

/** Options of `latencyToAnn`. */
export interface LatencyOptions {
  /** Default `{ kind: 'first-reach' }`. */
  readonly rule?: LatencyRule;
  /** Allowed accuracy gap below the ANN, as a fraction; default 0.01 (one percentage point). */
  readonly margin?: number;
}

/** Defaults: first step within one percentage point of the ANN. */
export const DEFAULT_LATENCY_OPTIONS = Object.freeze({
  rule: Object.freeze({ kind: 'first-reach' }) as LatencyRule,
  margin: 0.01,
});

/**
 * Slack on the comparison acc ≥ target, so that `annAccuracy − margin` rounding (0.9545 − 0.01 is
 * 0.94449999…) never decides the step. Accuracies are k / n with n far below 1e9, so 1e-9 is below their
 * resolution and never merges two distinct accuracies.
 */
export const ACCURACY_COMPARISON_SLACK = 1e-9;

function checkFraction(what: string, v: number): void {
  if (!(v >= 0 && v <= 1)) {
    throw new MsatError('CONVERT_INVALID_ACCURACY', `${what} must be a fraction in [0, 1], got ${v}; pass 0.9545, not 95.45.`);
  }
}

/**
 * The 1-based step t at which `accuracyPerStep` (acc(1) … acc(T), fractions) reaches `target` under `rule`
 * (compared with `ACCURACY_COMPARISON_SLACK`), or `null` if it never does within T steps.
 */
export function stepsToAccuracy(accuracyPerStep: ArrayLike<number>, target: number, rule: LatencyRule = DEFAULT_LATENCY_OPTIONS.rule): number | null {
  for (let i = 0; i < accuracyPerStep.length; i++) checkFraction(`accuracy at step ${i + 1}`, accuracyPerStep[i]);
  const bar = target - ACCURACY_COMPARISON_SLACK;
  if (rule.kind === 'first-reach') {
    for (let i = 0; i < accuracyPerStep.length; i++) if (accuracyPerStep[i] >= bar) return i + 1;
    return null;
  }
  if (rule.kind === 'stays-above') {
    let first: number | null = null;
    for (let i = accuracyPerStep.length - 1; i >= 0 && accuracyPerStep[i] >= bar; i--) first = i + 1;
    return first;
  }
  throw new MsatError(
    'CONVERT_INVALID_OPTIONS',
    `unknown latency rule '${(rule as { kind: string }).kind}'. Must be one of [first-reach, stays-above].`,
  );
}

/** Steps until the SNN is within `margin` of the ANN accuracy (target = annAccuracy − margin). */
export function latencyToAnn(accuracyPerStep: ArrayLike<number>, annAccuracy: number, options: LatencyOptions = {}): number | null {
  checkFraction('ANN accuracy', annAccuracy);
  const margin = options.margin ?? DEFAULT_LATENCY_OPTIONS.margin;
  checkFraction('margin', margin);
  return stepsToAccuracy(accuracyPerStep, annAccuracy - margin, options.rule ?? DEFAULT_LATENCY_OPTIONS.rule);
}
