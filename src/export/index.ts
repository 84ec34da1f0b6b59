/**
 * Public API of the `export` layer: a converted SNN leaves msat as a stateful ONNX model any onnxruntime runs
 * (`snnOnnxModel`), as the calibrated ANN it approximates (`annOnnxModel`), or as NIR for neuromorphic
 * toolchains (`nir.ts`, loaded on demand).
 */
export type { SnnDefinition } from './snn-definition.js';
export { snnOnnxModel, type SnnOnnxContract, type SnnOnnxOptions, type SnnOnnxState } from './onnx-snn.js';
export { annOnnxModel } from './onnx-ann.js';
export { EXPORT_FORMATS, writeExport, type ExportFormat, type WriteExportOptions } from './write-export.js';
export type { NirGraph, NirNode } from './nir-graph.js';
