/**
 * Every error msat raises on purpose is an `MsatError` with a stable `code`, so the CLI can print
 * `code: message` on one line and callers can branch on the code without parsing messages.
 */
export class MsatError extends Error {
  /** Stable, machine-readable identifier such as `ONNX_UNSUPPORTED_OP` or `DATA_CORRUPT`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MsatError';
    this.code = code;
  }
}

/** Narrowing helper for `catch (e)` blocks. */
export function isMsatError(e: unknown): e is MsatError {
  return e instanceof MsatError;
}
