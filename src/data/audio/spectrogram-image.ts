/**
 * The speech front-end: a 16 kHz clip → the 98 × 40 8-bit log-mel image of the Speech Commands spectrogram
 * archive, so a model trained on those images can listen to WAV files.
 *
 * The archive's front-end is undocumented; these parameters were fitted to the 1,022 clips of the official
 * test-set WAV subset whose images are in the archive (`test/integration/data-speech-front-end.test.ts`
 * measures the match):
 *
 * - frames of 480 samples (30 ms, not 25 ms: 25 ms fits visibly worse, and its best time offset is 40 samples,
 *   i.e. the same window centres), hop 160 (10 ms), no centring: 1 + ⌊(16000 − 480)/160⌋ = 98 frames per second;
 * - periodic Hann window, 512-point FFT, power spectrum (the magnitude fits far worse), samples scaled to [−1, 1);
 * - 40 HTK-mel triangles from 0 to 4000 Hz (`mel-filterbank.ts`);
 * - pixel = round(slope · ln(melPower + floor) + offset), clipped to 0..255 — an absolute scale (images of
 *   loud clips reach ~230, of quiet ones ~180; none is 255), with a soft floor near silence;
 * - clips shorter than a second are NOT zero-padded in time: their frames are computed as they are and the
 *   missing frames are added as rows of 0, split evenly before and after (one more after when odd);
 * - orientation: row = time frame, column = mel band (low to high), the images' own 40-wide × 98-high layout.
 *
 * `trimTrailingZeros`: the official test-set WAVs are padded to one second with zeros at the END, while the
 * archive's images of the same short clips are centred; dropping a trailing run of exact zero samples first
 * recovers the clip's real length and so the archive's image (a real recording virtually never ends in exact
 * digital silence, and if one does it only moves the word by the trimmed half).
 */
import FFT from 'fft.js';
import { melFilterbank, type MelBand } from './mel-filterbank.js';

/** Parameters of the front-end; `SPEECH_FRONT_END` holds the fitted values. */
export interface SpeechFrontEnd {
  readonly sampleRate: number;
  /** Samples per frame (window length). */
  readonly windowLength: number;
  /** Samples between frame starts. */
  readonly hopLength: number;
  readonly fftSize: number;
  readonly melBands: number;
  readonly lowHz: number;
  readonly highHz: number;
  /** Rows of the image (time frames). */
  readonly frames: number;
  /** pixel = slope · ln(melPower + floor) + offset. */
  readonly slope: number;
  readonly offset: number;
  readonly floor: number;
  readonly trimTrailingZeros: boolean;
}

/** The fitted front-end of the Speech Commands spectrogram archive (see the file comment). */
export const SPEECH_FRONT_END: SpeechFrontEnd = {
  sampleRate: 16000,
  windowLength: 480,
  hopLength: 160,
  fftSize: 512,
  melBands: 40,
  lowHz: 0,
  highHz: 4000,
  frames: 98,
  slope: 9.95,
  offset: 146.2,
  floor: 3.9e-7,
  trimTrailingZeros: true,
};

/** Periodic Hann window (numpy/TensorFlow `hann_window(periodic=True)`). */
function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

/** Number of whole frames in `sampleCount` samples (no centring, no padding). */
export function frameCount(sampleCount: number, fe: SpeechFrontEnd = SPEECH_FRONT_END): number {
  return sampleCount < fe.windowLength ? 0 : 1 + Math.floor((sampleCount - fe.windowLength) / fe.hopLength);
}

/** `samples` without its trailing run of exact zeros. */
export function trimTrailingZeros(samples: Int16Array): Int16Array {
  let n = samples.length;
  while (n > 0 && samples[n - 1] === 0) n--;
  return samples.subarray(0, n);
}

/** A front-end with its FFT tables, window and filterbank built once, for converting many clips. */
export interface SpectrogramMaker {
  readonly frontEnd: SpeechFrontEnd;
  /**
   * Mel power of frames `first .. first + count − 1` of `samples` (raw 16-bit values), `[count × melBands]`
   * row-major; the frames must lie inside `samples`.
   */
  melPower(samples: Int16Array, first: number, count: number): Float64Array;
  /**
   * The 8-bit spectrogram image of a clip, `[frames × melBands]` row-major (row = time). Clips longer than
   * `frames` frames keep their central frames; shorter ones get rows of 0 around them (see the file comment).
   */
  image(samples: Int16Array): Uint8Array;
}

/** Builds the tables of `fe` (a few hundred microseconds) and returns the conversions that use them. */
export function createSpectrogramMaker(fe: SpeechFrontEnd = SPEECH_FRONT_END): SpectrogramMaker {
  const fft = new FFT(fe.fftSize);
  const spectrum = fft.createComplexArray() as number[];
  const frame = new Float64Array(fe.fftSize);
  const window = hannWindow(fe.windowLength);
  const bands: MelBand[] = melFilterbank({ fftSize: fe.fftSize, sampleRate: fe.sampleRate, bands: fe.melBands, lowHz: fe.lowHz, highHz: fe.highHz });
  const lastBin = Math.max(...bands.map((b) => b.start + b.weights.length));
  const power = new Float64Array(lastBin);

  const melPower = (samples: Int16Array, first: number, count: number): Float64Array => {
    const out = new Float64Array(count * fe.melBands);
    for (let t = 0; t < count; t++) {
      const start = (first + t) * fe.hopLength;
      for (let i = 0; i < fe.windowLength; i++) frame[i] = (samples[start + i] / 32768) * window[i];
      fft.realTransform(spectrum, frame);
      for (let k = 0; k < lastBin; k++) power[k] = spectrum[2 * k] ** 2 + spectrum[2 * k + 1] ** 2;
      for (let m = 0; m < bands.length; m++) {
        const { start: s, weights } = bands[m];
        let e = 0;
        for (let k = 0; k < weights.length; k++) e += weights[k] * power[s + k];
        out[t * fe.melBands + m] = e;
      }
    }
    return out;
  };

  const image = (samples: Int16Array): Uint8Array => {
    const clip = fe.trimTrailingZeros ? trimTrailingZeros(samples) : samples;
    const available = frameCount(clip.length, fe);
    const used = Math.min(available, fe.frames);
    const padBefore = Math.floor((fe.frames - used) / 2);
    const mel = melPower(clip, Math.floor((available - used) / 2), used);
    const out = new Uint8Array(fe.frames * fe.melBands);
    for (let i = 0; i < mel.length; i++) {
      const v = Math.round(fe.slope * Math.log(mel[i] + fe.floor) + fe.offset);
      out[padBefore * fe.melBands + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return out;
  };

  return { frontEnd: fe, melPower, image };
}

/** Mel power of some frames of one clip; see `SpectrogramMaker.melPower` (builds the tables each call). */
export function melPowerFrames(samples: Int16Array, first: number, count: number, fe: SpeechFrontEnd = SPEECH_FRONT_END): Float64Array {
  return createSpectrogramMaker(fe).melPower(samples, first, count);
}

/** The spectrogram image of one clip; see `SpectrogramMaker.image` (builds the tables each call). */
export function spectrogramImage(samples: Int16Array, fe: SpeechFrontEnd = SPEECH_FRONT_END): Uint8Array {
  return createSpectrogramMaker(fe).image(samples);
}
