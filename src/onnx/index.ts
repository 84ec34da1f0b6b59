/**
 * Public API of the `onnx` layer: a typed, plain-object view of ONNX models and the only code in msat that
 * touches protobuf.
 */
export type { AttributeValue, OnnxGraph, OnnxModel, OnnxNode, OpsetImport, ValueInfo } from './types.js';
export { attr, defaultOpset } from './types.js';
export { decodeOnnxModel, readOnnxModel } from './decode.js';
export { encodeOnnxModel } from './encode.js';
export { GraphBuilder, irVersionForOpset } from './graph-builder.js';
export type { BuildOptions, NodeOptions } from './graph-builder.js';
export { float16BitsToNumber, float16ToFloat32, numberToFloat16Bits } from './float16.js';
