/**
 * The data layer: datasets in their standard formats (images, IMDB text, Speech Commands spectrograms, the WAV
 * test set and the full WAV archive) → normalized NCHW float32 batches, or float32 token ids for text.
 *
 *   const ds = await openDataset('mnist', { split: 'test', limit: 1000, mean: [0.1307], std: [0.3081] });
 *   for await (const { x, labels } of ds.batches(256)) { ... }
 */
export { openDataset } from './open-dataset.js';
export { stridedDataset } from './strided-dataset.js';
export { checkShard, parseShard, shardDataset, shardRange, type Shard, type ShardRange } from './shard-dataset.js';
export { arrayDataset, type ArrayDatasetOptions } from './array-dataset.js';
export {
  DATASET_FORMATS,
  DEFAULT_DATASET_OPTIONS,
  hasValidationSplit,
  resolveDatasetOptions,
  type Batch,
  type BatchOptions,
  type Dataset,
  type DatasetFormat,
  type DatasetOptions,
  type DatasetSplit,
  type ResizeSpec,
  type ResolvedDatasetOptions,
  type TextEncoding,
} from './dataset.js';
export { DATASET_SHORTCUTS, FASHION_MNIST_SYSTEM_DIR, mnistDataDir, projectCacheHint, resolveDatasetShortcut } from './builtin-datasets.js';
export { downloadedDatasetDir, downloadsDir, msatCacheDir } from './download/cache-dir.js';
export {
  DOWNLOADABLE_DATASETS,
  archiveFileName,
  findDownloadableDataset,
  type DatasetArchive,
  type DownloadableDataset,
} from './download/catalog.js';
export { fetchArchive, mirroredUrl, type FetchArchiveOptions } from './download/fetch-archive.js';
export { getDataset, listDatasets, type DatasetStatus, type GetDatasetOptions, type InstalledDataset } from './download/install.js';
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
export { IMDB_CLASSES } from './text/imdb-corpus.js';
export { tokenize } from './text/tokenize.js';
export { FIRST_WORD_ID, PAD_ID, UNKNOWN_ID, countWords, encodeSequence, rankWords, vocabularyLookup } from './text/vocabulary.js';
export { SPEECH_COMMANDS_CLASSES, SPEECH_COMMANDS_FOLDERS } from './speech/classes.js';
export {
  SILENCE_HOP_SAMPLES,
  SILENCE_WINDOW_SAMPLES,
  SPEECH_COMMANDS_BACKGROUND_FOLDER,
  SPEECH_COMMANDS_SPLIT_LISTS,
  SPEECH_COMMANDS_VALIDATION_NOISE,
  silenceWindowStarts,
} from './speech-commands-full.js';
export { hashPercentage, hashedNamePart, speechCommandsSet, type SpeechCommandsSet } from './speech/hash-split.js';
export { SPEECH_WAV_FORMAT, decodeWav, readWav, type PcmAudio } from './audio/wav.js';
export { hzToMel, melFilterbank, melToHz, type MelBand, type MelFilterbankOptions } from './audio/mel-filterbank.js';
export {
  SPEECH_FRONT_END,
  createSpectrogramMaker,
  frameCount,
  melPowerFrames,
  spectrogramImage,
  trimTrailingZeros,
  type SpectrogramMaker,
  type SpeechFrontEnd,
} from './audio/spectrogram-image.js';
export { INPUT_FILE_KINDS, readInputFile, type InputFileOptions } from './input-file.js';
