/**
 * Public API of the `model` layer: msat's network IR and its metadata, the layer kinds and their facets, ONNX
 * import/export, shape inference and summaries, and the autodiff primitives each kind's training forward uses.
 */
export type {
  AddLayer,
  AvgPoolLayer,
  BatchNormLayer,
  ConcatLayer,
  ConvLayer,
  Dim,
  EmbeddingLayer,
  FlattenLayer,
  GlobalAvgPoolLayer,
  Layer,
  LayerBase,
  LayerKind,
  LayerSpec,
  LinearLayer,
  MaxPoolLayer,
  Network,
  ReluLayer,
  ReshapeLayer,
  Shape,
  SqueezeLayer,
  TensorSpec,
  TransposeLayer,
  UnsqueezeLayer,
} from './network.js';
export { layerParameters } from './network.js';
export { layerKindSpec } from './layers/index.js';
export type { ForwardContext, InitRule, LayerKindSpec, LayerRole, PoolWindow, TensorRole } from './layers/index.js';
export { layerRole, layerTensors, poolWindow, withLayerTensors, type LayerTensor } from './layer-facets.js';
export * from './autodiff/index.js';
export { importOnnx, loadNetwork, SUPPORTED_OPSETS } from './import-onnx.js';
export { exportOnnx, networkToOnnxBytes, DEFAULT_EXPORT_OPTIONS } from './export-onnx.js';
export { emitLayer } from './emit-layer.js';
export type { EmitContext } from './emit-layer.js';
export type { ExportOptions } from './export-onnx.js';
export {
  broadcastShapes,
  formatShape,
  inferLayerShape,
  normalizeAxis,
  resolveReshapeTarget,
  sizePerSample,
  windowOutputSize,
} from './shape-inference.js';
export { readWindowAttributes } from './attributes.js';
export type { WindowAttributes } from './attributes.js';
export { foldNode, FOLDABLE_OPS } from './constant-fold.js';
export type { ConstValue } from './constant-fold.js';
export { fuseLinearBias } from './fuse-linear-bias.js';
export { biasVector, transpose2d } from './weights.js';
export { formatSummary, layerMacs, summarizeNetwork } from './summary.js';
export type { LayerSummary, NetworkSummary } from './summary.js';
export {
  MODEL_METADATA_FIELDS,
  MODEL_METADATA_SCHEMA,
  modelMetadataKey,
  readModelMetadata,
  textOptionsOfMetadata,
  writeModelMetadata,
} from './metadata.js';
export type { MetadataObject, ModelMetadata, ModelMetadataField } from './metadata.js';
