/** Optimizers (emitted into the step graph) and learning-rate schedules (pure functions). */
import { createAdam } from './adam.js';
import { optionsError, type Optimizer, type OptimizerConfig } from './optimizer.js';
import { createSgd } from './sgd.js';

export * from './optimizer.js';
export { createSgd, DEFAULT_SGD_CONFIG } from './sgd.js';
export { createAdam } from './adam.js';
export * from './schedule.js';

/** The optimizer a config names. */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.kind) {
    case 'sgd':
      return createSgd(config);
    case 'adam':
    case 'adamw':
      return createAdam(config);
    default:
      throw optionsError(`unknown optimizer ${JSON.stringify((config as { kind: string }).kind)}; must be one of sgd, adam, adamw`);
  }
}
