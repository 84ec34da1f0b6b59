/**
 * The sample reader every Speech Commands WAV format shares: a clip's 16-bit samples go through the speech
 * front-end (`audio/spectrogram-image.ts`) to the 98 × 40 image of the spectrogram archive, then through the
 * dataset's normalization. One path for all of them, so a clip gives the same sample whichever layout it is
 * read from (the official test set, the full archive, a window of a background-noise recording).
 */
import type { SampleReader } from '../batched-dataset.js';
import { normalizeChw, type NormalizationTables } from '../normalize.js';
import { readWav } from '../audio/wav.js';
import { SPEECH_FRONT_END, createSpectrogramMaker } from '../audio/spectrogram-image.js';

/** One sample's audio: a whole WAV file, or `length` samples from `start` of a recording already decoded. */
export type SpeechClip = string | { readonly recording: Int16Array; readonly start: number; readonly length: number };

/** `[1, frames, melBands]`: the shape of one front-end sample. */
export const SPEECH_SAMPLE_SHAPE: readonly number[] = [1, SPEECH_FRONT_END.frames, SPEECH_FRONT_END.melBands];

/** Reads `clips[position]` through the front-end into normalized `[1, 98, 40]` samples. */
export function createSpeechClipReader(clips: readonly SpeechClip[], luts: NormalizationTables): SampleReader {
  const pixels = SPEECH_FRONT_END.frames * SPEECH_FRONT_END.melBands;
  const maker = createSpectrogramMaker(SPEECH_FRONT_END);
  return {
    async read(positions, dst) {
      for (let j = 0; j < positions.length; j++) {
        const clip = clips[positions[j]];
        const samples = typeof clip === 'string' ? (await readWav(clip)).samples : clip.recording.subarray(clip.start, clip.start + clip.length);
        normalizeChw(maker.image(samples), 0, dst, j * pixels, pixels, luts);
      }
    },
  };
}
