/** Flags every command accepts. */
export interface GlobalOptions {
  /** onnxruntime intra-op threads (0 = all cores). */
  readonly threads: number;
  /** Parallel simulation workers, each with single-threaded onnxruntime sessions (1 = simulate on the main thread). */
  readonly workers: number;
  /** Print stacks of errors. */
  readonly debug: boolean;
}
