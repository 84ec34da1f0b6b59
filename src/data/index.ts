/**
 * The data layer: datasets in their standard formats → normalized NCHW float32 batches.
 *
 *   const ds = await openDataset('mnist', { split: 'test', limit: 1000, mean: [0.1307], std: [0.3081] });
 *   for await (const { x, labels } of ds.batches(256)) { ... }
 */
export { openDataset } from './open-dataset.js';
export {
  DATASET_FORMATS,
  DEFAULT_DATASET_OPTIONS,
  resolveDatasetOptions,
  type Batch,
  type BatchOptions,
  type Dataset,
  type DatasetFormat,
  type DatasetOptions,
  type DatasetSplit,
  type ResizeSpec,
  type ResolvedDatasetOptions,
} from './dataset.js';
export { DATASET_SHORTCUTS, FASHION_MNIST_SYSTEM_DIR, mnistDataDir, resolveDatasetShortcut } from './builtin-datasets.js';
export { datasetCacheDir, findCachedDataset } from './dataset-cache.js';
export { CIFAR100_CLASSES, CIFAR10_CLASSES, FASHION_MNIST_CLASSES } from './class-names.js';
export { buildNormalizationTables, type NormalizationTables } from './normalize.js';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, type IdxArray } from './idx.js';
export { CIFAR100_LAYOUT, CIFAR10_LAYOUT, cifarRecordSize, type CifarLayout } from './cifar-binary.js';
export {
  convertChannels,
  decodeImageFile,
  planResize,
  probeImageChannels,
  type DecodeImageOptions,
  type RawImage,
  type ResizePlan,
} from './image-decode.js';
