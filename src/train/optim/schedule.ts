/**
 * Learning-rate schedules as pure functions of the step: no optimizer object to mutate, so a resumed run
 * recomputes exactly the rate of any step, and the formulas can be tested without onnxruntime.
 */
import { optionsError } from './optimizer.js';

/** Where a step sits in the run. `step` is 0-based over the whole run. */
export interface ScheduleClock {
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
}

/**
 * - `constant`: the base rate throughout.
 * - `cosine`: `torch.optim.lr_scheduler.CosineAnnealingLR` stepped every batch with T_max = the steps after
 *   warm-up: minLr + (base − minLr)·(1 + cos(π·t/T))/2, after an optional linear warm-up over `warmupEpochs`.
 * - `onecycle`: `OneCycleLR` (cosine annealing, two phases) stepped every batch, base rate = max_lr.
 * - `step`: `MultiStepLR` stepped every epoch: base · γ^(number of milestones ≤ epoch).
 */
export type LrSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'cosine'; readonly minLr?: number; readonly warmupEpochs?: number }
  | { readonly kind: 'onecycle'; readonly pctStart?: number; readonly divFactor?: number; readonly finalDivFactor?: number }
  | { readonly kind: 'step'; readonly milestones: readonly number[]; readonly gamma?: number };

/** The usual CIFAR milestones for `epochs`: 50 % and 75 % of the run. */
export function defaultMilestones(epochs: number): number[] {
  return [Math.round(epochs * 0.5), Math.round(epochs * 0.75)].filter((m, i, all) => m > 0 && all.indexOf(m) === i);
}

const cosineBetween = (from: number, to: number, pct: number): number => to + ((from - to) / 2) * (1 + Math.cos(Math.PI * pct));

/** The learning rate of step `clock.step` for base rate `baseLr`. */
export function learningRate(schedule: LrSchedule, baseLr: number, clock: ScheduleClock): number {
  const { step, stepsPerEpoch, totalSteps } = clock;
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'cosine': {
      const minLr = schedule.minLr ?? 0;
      const warmup = Math.round((schedule.warmupEpochs ?? 0) * stepsPerEpoch);
      if (step < warmup) return (baseLr * (step + 1)) / warmup;
      const span = Math.max(1, totalSteps - warmup);
      return cosineBetween(baseLr, minLr, Math.min(1, (step - warmup) / span));
    }
    case 'onecycle': {
      const pctStart = schedule.pctStart ?? 0.3;
      const initial = baseLr / (schedule.divFactor ?? 25);
      const final = initial / (schedule.finalDivFactor ?? 1e4);
      const peak = pctStart * totalSteps - 1;
      const end = totalSteps - 1;
      if (step <= peak) return cosineBetween(initial, baseLr, peak <= 0 ? 1 : step / peak);
      return cosineBetween(baseLr, final, end - peak <= 0 ? 1 : Math.min(1, (step - peak) / (end - peak)));
    }
    case 'step': {
      const epoch = Math.floor(step / Math.max(1, stepsPerEpoch));
      const passed = schedule.milestones.filter((m) => m <= epoch).length;
      return baseLr * (schedule.gamma ?? 0.1) ** passed;
    }
  }
}

/** Checks a schedule's fields once. */
export function validateSchedule(schedule: LrSchedule): LrSchedule {
  switch (schedule.kind) {
    case 'constant':
      return schedule;
    case 'cosine':
      if ((schedule.minLr ?? 0) < 0 || (schedule.warmupEpochs ?? 0) < 0) throw optionsError('cosine schedule: minLr and warmupEpochs must be >= 0');
      return schedule;
    case 'onecycle': {
      const p = schedule.pctStart ?? 0.3;
      if (!(p > 0 && p < 1)) throw optionsError(`onecycle schedule: pctStart must be in (0, 1), got ${p}`);
      if ((schedule.divFactor ?? 25) <= 0 || (schedule.finalDivFactor ?? 1e4) <= 0)
        throw optionsError('onecycle schedule: divFactor and finalDivFactor must be > 0');
      return schedule;
    }
    case 'step':
      if (schedule.milestones.some((m) => !Number.isInteger(m) || m < 0))
        throw optionsError(`step schedule: milestones must be epoch numbers >= 0, got [${schedule.milestones.join(', ')}]`);
      return schedule;
    default: {
      const kind = (schedule as { kind: string }).kind;
      throw optionsError(`unknown learning-rate schedule ${JSON.stringify(kind)}; must be one of constant, cosine, onecycle, step`);
    }
  }
}
