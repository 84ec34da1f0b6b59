/**
 * Triangular mel filterbank over the bins of a real FFT, HTK mel scale (mel = 2595 · log10(1 + f/700)):
 * band m rises linearly in Hz from edge m to edge m+1 and falls to edge m+2, the bands + 2 edges evenly spaced
 * in mel between `lowHz` and `highHz`, peak weight 1, no area normalisation. This is the variant that
 * reproduces the Speech Commands spectrogram images (Slaney's scale or area-normalised bands fit worse; see
 * `spectrogram-image.ts`).
 */

/** One band: weights of FFT bins `start .. start + weights.length − 1`. */
export interface MelBand {
  readonly start: number;
  readonly weights: Float64Array;
}

export interface MelFilterbankOptions {
  readonly fftSize: number;
  readonly sampleRate: number;
  readonly bands: number;
  readonly lowHz: number;
  readonly highHz: number;
}

export const hzToMel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
export const melToHz = (mel: number): number => 700 * (10 ** (mel / 2595) - 1);

/** The bands, lowest first, each with only its non-zero stretch of bins. */
export function melFilterbank(o: MelFilterbankOptions): MelBand[] {
  const lowMel = hzToMel(o.lowHz);
  const highMel = hzToMel(o.highHz);
  const edges = Array.from({ length: o.bands + 2 }, (_, i) => melToHz(lowMel + ((highMel - lowMel) * i) / (o.bands + 1)));
  const binHz = o.sampleRate / o.fftSize;
  const bands: MelBand[] = [];
  for (let m = 0; m < o.bands; m++) {
    const [left, center, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const start = Math.ceil(left / binHz);
    const end = Math.min(Math.floor(right / binHz), o.fftSize / 2);
    const weights = new Float64Array(Math.max(0, end - start + 1));
    for (let k = start; k <= end; k++) {
      const f = k * binHz;
      weights[k - start] = Math.max(0, Math.min((f - left) / (center - left), (right - f) / (right - center)));
    }
    bands.push({ start, weights });
  }
  return bands;
}
