/**
 * Optimizers as ONNX emitters: each one writes, inside the training-step graph, the update of one parameter
 * from its gradient and its state tensors, so a step is a single onnxruntime run. Per-step numbers that
 * PyTorch computes in Python double precision (the learning rate, Adam's bias corrections) are computed the
 * same way in JS and fed as float32 scalars.
 */
import { MsatError } from '../../core/index.js';
import type { Tape } from '../autodiff/index.js';

/** SGD with momentum, Nesterov momentum and L2 weight decay, exactly as `torch.optim.SGD`. */
export interface SgdConfig {
  readonly kind: 'sgd';
  /** Default 0.9. */
  readonly momentum?: number;
  /** Default 0. */
  readonly dampening?: number;
  /** Default false. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient. Default 5e-4. */
  readonly weightDecay?: number;
}

/**
 * `torch.optim.AdamW` (decoupled weight decay) or `torch.optim.Adam` (`decoupled: false`: L2 added to the
 * gradient). amsgrad is not offered.
 */
export interface AdamConfig {
  readonly kind: 'adamw' | 'adam';
  /** Default [0.9, 0.999]. */
  readonly betas?: readonly [number, number];
  /** Default 1e-8. */
  readonly eps?: number;
  /** Default 0.01 for AdamW (PyTorch's default), 0 for Adam. */
  readonly weightDecay?: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig;

/** Parameter kinds that get no weight decay. `'none'` (PyTorch's default) decays everything. */
export type WeightDecayExclusion = 'none' | 'bias-and-norm';

/** Names of one parameter's tensors inside the step graph. */
export interface ParameterUpdateInput {
  readonly param: string;
  readonly grad: string;
  /** State tensor names by slot (`momentum`, `exp_avg`, ...). */
  readonly state: Readonly<Record<string, string>>;
  /** Fed scalar names by scalar key. */
  readonly scalars: Readonly<Record<string, string>>;
  /** Whether weight decay applies to this parameter. */
  readonly decay: boolean;
}

export interface ParameterUpdateOutput {
  readonly param: string;
  readonly state: Readonly<Record<string, string>>;
}

/** A resolved optimizer. */
export interface Optimizer {
  readonly config: Required<SgdConfig> | Required<AdamConfig>;
  /** Per-parameter state tensors, each shaped like the parameter and zero at the start. */
  readonly stateSlots: readonly string[];
  /** Scalars fed each step (every optimizer gets `lr`). */
  readonly scalarNames: readonly string[];
  /** The scalars for step `step` (0-based count of steps already taken) at learning rate `lr`. */
  scalars(step: number, lr: number): Record<string, number>;
  /** Emits the update of one parameter. */
  emit(t: Tape, p: ParameterUpdateInput): ParameterUpdateOutput;
}

export function optionsError(message: string): MsatError {
  return new MsatError('TRAIN_OPTIONS', message);
}

export function checkNonNegative(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw optionsError(`${name} must be a finite number >= 0, got ${v}`);
}
