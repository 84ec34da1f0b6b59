/**
 * Every error msat raises on purpose is an `MsatError` with a stable `code`, so the CLI can print
 * `code: message` on one line and callers can branch on the code without parsing messages.
 */

/**
 * Every code an `MsatError` can carry, by the layer that raises it. `*_OPTIONS`: an option is out of range or
 * contradicts another; `*_FILE` / `*_CORRUPT` / `*_MALFORMED`: a file that msat reads is damaged or of another
 * kind (the message names the file and the field); `*_UNSUPPORTED*`: valid input that msat cannot handle (the
 * message names the node, layer or operator); `*_INTERNAL`, `*_WORKER`: a defect or a crashed worker thread.
 */
export type MsatErrorCode =
  // core, data
  | 'INVALID_SEED'
  | 'DATA_OPTIONS'
  | 'DATA_NOT_FOUND'
  | 'DATA_FORMAT'
  | 'DATA_CORRUPT'
  | 'DATA_IO'
  | 'DATA_SHAPE'
  // data: `msat datasets get` (an HTTP or network failure; an archive whose size or SHA-256 is not the published one)
  | 'DATA_DOWNLOAD'
  | 'DATA_CHECKSUM'
  // onnx, model
  | 'ONNX_NOT_FOUND'
  | 'ONNX_MALFORMED'
  | 'ONNX_BUILD'
  | 'ONNX_UNSUPPORTED_OP'
  | 'ONNX_UNSUPPORTED_OPSET'
  | 'ONNX_UNSUPPORTED_SHAPE'
  | 'ONNX_UNSUPPORTED_DTYPE'
  | 'MODEL_SHAPE'
  | 'MODEL_METADATA'
  | 'MODEL_EXPORT'
  // runtime, ann
  | 'RUNTIME_OPTIONS'
  | 'RUNTIME_SESSION'
  | 'RUNTIME_FEEDS'
  | 'RUNTIME_RUN'
  | 'RUNTIME_DTYPE'
  // runtime: an execution provider (--ep) this onnxruntime-node lacks, or one that failed to start
  | 'EXECUTION_PROVIDER'
  | 'EVAL_OPTIONS'
  | 'EVAL_INPUTS'
  | 'EVAL_OUTPUT'
  // train
  | 'TRAIN_OPTIONS'
  | 'TRAIN_SHAPE'
  | 'TRAIN_GRAPH'
  | 'TRAIN_UNSUPPORTED'
  | 'TRAIN_PARAMETERS'
  | 'TRAIN_STATE'
  | 'TRAIN_CHECKPOINT'
  | 'TRAIN_DIVERGED'
  // convert
  | 'CONVERT_OPTIONS'
  | 'CONVERT_INVALID_OPTIONS'
  | 'CONVERT_INVALID_PERCENTILE'
  | 'CONVERT_INVALID_ACCURACY'
  | 'CONVERT_INVALID_ENERGY_INPUT'
  | 'CONVERT_BAD_SHAPE'
  | 'CONVERT_SHAPE_MISMATCH'
  | 'CONVERT_BAD_BATCH_NORM'
  | 'CONVERT_EMPTY_TENSOR'
  | 'CONVERT_NAN'
  | 'CONVERT_IO'
  | 'CONVERT_CALIBRATION'
  | 'CONVERT_REFUSED'
  // snn, the SNN file
  | 'SNN_OPTIONS'
  | 'SNN_INVALID_OPTIONS'
  | 'SNN_INVALID_HYPER_PARAMS'
  | 'SNN_NETWORK'
  | 'SNN_SHAPE_MISMATCH'
  | 'SNN_MISSING_INPUT'
  | 'SNN_DATA'
  | 'SNN_WORKER'
  | 'SNN_FILE'
  // export
  | 'EXPORT_OPTIONS'
  | 'EXPORT_UNSUPPORTED'
  | 'NIR_FILE'
  // tune, experiment, report, commands
  | 'TUNE_OPTIONS'
  | 'TUNE_DATA'
  | 'TUNE_LOG'
  | 'TUNE_RESUME_MISMATCH'
  | 'TUNE_STOPPED'
  | 'TUNE_WORKER'
  | 'TUNE_INTERNAL'
  | 'EXPERIMENT_OPTIONS'
  | 'EXPERIMENT_PRESET'
  | 'EXPERIMENT_MODEL'
  | 'EXPERIMENT_RESULTS'
  | 'EXPERIMENT_RESUME'
  | 'EXPERIMENT_MERGE'
  | 'REPORT_OPTIONS'
  | 'REPORT_SPEC'
  | 'REPORT_WRITE'
  | 'REPORT_PNG'
  // playground: a bad SNN file set for the page, the page's build, its server
  | 'PLAYGROUND_OPTIONS'
  | 'PLAYGROUND_BUILD'
  | 'PLAYGROUND_SERVE'
  | 'PREDICT_INPUT'
  | 'DEMO_MODEL'
  // any command: an output that would overwrite an input, or a folder that cannot be written
  | 'OUTPUT_PATH';

export class MsatError extends Error {
  /** Stable, machine-readable identifier such as `ONNX_UNSUPPORTED_OP` or `DATA_CORRUPT` (`MsatErrorCode`). */
  readonly code: MsatErrorCode;

  constructor(code: MsatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MsatError';
    this.code = code;
  }
}

/** Narrowing helper for `catch (e)` blocks. */
export function isMsatError(e: unknown): e is MsatError {
  return e instanceof MsatError;
}
