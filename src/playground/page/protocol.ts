/**
 * Messages between the page and its Web Worker (which owns the onnxruntime-web sessions). One request at a
 * time: the page waits for each reply before it sends the next request.
 */
import type { ManifestSnn } from './manifest.js';

/** Page → worker. */
export type WorkerRequest =
  /** Create every SNN's and ANN's session; `wasm` is the absolute URL of onnxruntime-web's `.wasm` file. */
  | { readonly kind: 'load'; readonly wasm: string; readonly base: string; readonly snns: readonly ManifestSnn[] }
  /** A new input `[1, ...dims]`: reset every SNN's state to its reset values and run the ANNs on it. */
  | { readonly kind: 'reset'; readonly x: Float32Array; readonly dims: readonly number[] }
  /** Advance every SNN by one call (one time step). */
  | { readonly kind: 'step' };

/** What one SNN did in one step. */
export interface StepResult {
  /** `readout_sum` after the step: the accumulated readout per class (float64, as the model computes it). */
  readonly sum: Float64Array;
  /** Per spiking layer, the spikes of its picked neurons (`pickNeurons`) in this step: the difference of `n:<layer>`. */
  readonly spikes: Readonly<Record<string, Float32Array>>;
}

/** Worker → page. */
export type WorkerReply =
  | { readonly kind: 'loaded'; readonly ms: number }
  | { readonly kind: 'reset'; readonly ann: Readonly<Record<string, Float32Array>> }
  | { readonly kind: 'step'; readonly t: number; readonly ms: number; readonly results: Readonly<Record<string, StepResult>> }
  | { readonly kind: 'error'; readonly message: string };
