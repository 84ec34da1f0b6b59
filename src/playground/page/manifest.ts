/**
 * What the builder writes into the site as `playground.json` and the page reads: the SNNs (their exported ONNX
 * files, contracts, converter settings and where they came from), the ANN beside them, and the embedded test
 * samples. Plain data only: both Node (the builder) and the browser (the page) import this file.
 */

/** One state tensor of an exported SNN (the `msat.snn` contract's `state`, trimmed to what the page uses). */
export interface ManifestState {
  readonly input: string;
  readonly output: string;
  readonly type: 'float32' | 'float64';
  /** Per-sample shape (the batch dimension `N` left out). */
  readonly dims: readonly number[];
  /** Every element's value before a sample's first step. */
  readonly reset: number;
  readonly meaning: string;
}

/** One SNN of the page. */
export interface ManifestSnn {
  /** Short id, unique in the page (`snn-0`, …). */
  readonly id: string;
  /** The SNN file's name, as given on the command line. */
  readonly label: string;
  /** Site-relative URL of the stateful ONNX export (`msat export --format onnx`, one step per call). */
  readonly onnx: string;
  /** Site-relative URL of its calibrated ANN (`--format onnx-ann`). */
  readonly ann: string;
  /** The exported model's data input. */
  readonly input: string;
  readonly state: readonly ManifestState[];
  /** Output with the accumulated readout `[N, classes]` (float64) after each call, and the number of classes. */
  readonly sum: string;
  readonly classes: number;
  /** Spiking layers whose spike counts are state (`n:<layer>`): the layers the raster can show. */
  readonly spikingLayers: readonly string[];
  /** The SNN file's early-exit rule in its command-line form (`stable:2`), if it records one. */
  readonly exit?: string;
  /** Converter settings, one line each (`threshold: MSAT DTT+DET …`). */
  readonly settings: readonly string[];
  /** Where the file came from: model, creation time, the command that wrote it. */
  readonly provenance: readonly string[];
  /** Bytes of its ONNX files (an ANN shared by several SNNs counted once, with the first). */
  readonly bytes: number;
}

/** One embedded test sample. */
export interface ManifestSample {
  /** Index in the dataset's test split. */
  readonly index: number;
  readonly label: number;
  /** The normalised input `[C, H, W]` as the data loader gives it, float32 little-endian in base64. */
  readonly x: string;
}

export interface PlaygroundManifest {
  readonly title: string;
  /** Per-sample input shape `[C, H, W]`, the same for every SNN. */
  readonly inputDims: readonly number[];
  readonly classNames: readonly string[];
  /** Normalisation of pixels in [0, 255]: x' = (x/255 − mean[c]) / std[c] (for a drawn digit). */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Where the samples come from (`mnist, test split`), or undefined when none are embedded. */
  readonly dataset?: string;
  readonly samples: readonly ManifestSample[];
  /** Whether the page offers a canvas to draw on (MNIST-shaped input: 1 × 28 × 28). */
  readonly canDraw: boolean;
  /** Default number of time steps the page runs. */
  readonly steps: number;
  readonly snns: readonly ManifestSnn[];
  /** The msat version that built the page. */
  readonly msatVersion: string;
}
