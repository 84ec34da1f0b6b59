/**
 * Pixel normalization: x' = (x/255 − mean[c]) / std[c], as torchvision's `ToTensor` + `Normalize` compute it.
 *
 * Pixels are bytes, so each channel's whole mapping is a 256-entry table computed once in double precision
 * and rounded to float32 once. That is both the fastest form (one lookup per value) and the most exact one:
 * every output is the correctly rounded float32 of the double-precision formula.
 */
import { MsatError } from '../core/index.js';

/** One 256-entry float32 table per channel: `luts[c][v]` is the normalized value of byte `v` in channel `c`. */
export type NormalizationTables = readonly Float32Array[];

/**
 * Builds the per-channel tables. `mean` and `std` hold one value (broadcast to every channel) or exactly
 * `channels` values; anything else is a `DATA_OPTIONS` error naming the dataset, or `DATA_SHAPE` when the values
 * came `from` a model (its input has another channel count than the data). Values that overflow float32 (a tiny
 * std) are refused rather than turned into infinite inputs.
 */
export function buildNormalizationTables(
  mean: readonly number[],
  std: readonly number[],
  channels: number,
  dataset: string,
  from?: string,
): NormalizationTables {
  const plural = channels === 1 ? '' : 's';
  for (const [name, values] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (values.length === 1 || values.length === channels) continue;
    if (from !== undefined) {
      throw new MsatError(
        'DATA_SHAPE',
        `${dataset} has ${channels}-channel samples, but ${from} normalises ${values.length} channels: the data does not have the input shape the model takes`,
      );
    }
    throw new MsatError(
      'DATA_OPTIONS',
      `${name} has ${values.length} values but ${dataset} has ${channels} channel${plural}; ` +
        (channels === 1 ? 'give 1 value' : `give 1 value (used for every channel) or ${channels}`),
    );
  }
  const luts: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const m = mean.length === 1 ? mean[0] : mean[c];
    const s = std.length === 1 ? std[0] : std[c];
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v / 255 - m) / s;
    if (!lut.every(Number.isFinite)) {
      throw new MsatError(
        'DATA_OPTIONS',
        `mean ${m} and std ${s} of channel ${c} make normalised pixels of ${dataset} overflow float32; check --mean/--std`,
      );
    }
    luts.push(lut);
  }
  return luts;
}

/**
 * Normalizes one planar sample (CHW bytes, as IDX and CIFAR binary files store it) into `dst`.
 * `pixels` is H·W; the sample occupies `channels·pixels` entries from `srcOffset` and from `dstOffset`.
 */
export function normalizeChw(
  src: Uint8Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  pixels: number,
  luts: NormalizationTables,
): void {
  for (let c = 0; c < luts.length; c++) {
    const lut = luts[c];
    const s = srcOffset + c * pixels;
    const d = dstOffset + c * pixels;
    for (let i = 0; i < pixels; i++) dst[d + i] = lut[src[s + i]];
  }
}

/**
 * Normalizes one interleaved sample (HWC bytes, as image decoders return it) into planar CHW at `dstOffset`,
 * i.e. the transpose that torchvision's `ToTensor` does.
 */
export function normalizeHwc(src: Uint8Array, dst: Float32Array, dstOffset: number, pixels: number, luts: NormalizationTables): void {
  const channels = luts.length;
  for (let c = 0; c < channels; c++) {
    const lut = luts[c];
    const d = dstOffset + c * pixels;
    for (let i = 0, s = c; i < pixels; i++, s += channels) dst[d + i] = lut[src[s]];
  }
}
