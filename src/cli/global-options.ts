/** Flags every command accepts. */
export interface GlobalOptions {
  /** onnxruntime intra-op threads (0 = all cores). */
  readonly threads: number;
  /** Print stacks of errors. */
  readonly debug: boolean;
}
