/** Writes a converted SNN in one of the export formats, atomically (a crash never leaves half a file). */
import { MsatError, writeFileAtomic } from '../core/index.js';
import { encodeOnnxModel } from '../onnx/index.js';
import { annOnnxModel } from './onnx-ann.js';
import { snnOnnxModel, type SnnOnnxOptions } from './onnx-snn.js';
import type { SnnDefinition } from './snn-definition.js';

/** `onnx`: the stateful SNN; `onnx-ann`: the folded, calibrated ANN; `nir`: NIR (HDF5) for neuromorphic toolchains. */
export type ExportFormat = 'onnx' | 'onnx-ann' | 'nir';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['onnx', 'onnx-ann', 'nir'];

/** Options of `writeExport`: the format and, for `onnx`, the SNN model's options (the others ignore them). */
export interface WriteExportOptions extends SnnOnnxOptions {
  readonly format: ExportFormat;
}

/** Writes `snn` to `path` as `options.format` says. */
export async function writeExport(snn: SnnDefinition, path: string, options: WriteExportOptions): Promise<void> {
  switch (options.format) {
    case 'onnx':
      return writeFileAtomic(path, encodeOnnxModel(snnOnnxModel(snn, options).model));
    case 'onnx-ann': {
      const model = annOnnxModel(snn);
      return writeFileAtomic(path, encodeOnnxModel({ ...model, metadata: { ...(options.metadata ?? {}), ...model.metadata } }));
    }
    case 'nir': {
      // imported here: h5wasm (the HDF5 library) loads only when NIR is written
      const { exportNir } = await import('./nir.js');
      return exportNir(snn, path);
    }
    default:
      throw new MsatError('EXPORT_OPTIONS', `unknown export format ${JSON.stringify(options.format)}; must be one of ${EXPORT_FORMATS.join(', ')}`);
  }
}
