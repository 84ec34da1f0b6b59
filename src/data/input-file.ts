/**
 * One input file as a model input, for `msat predict`: an image (`.png`, `.jpg`, `.jpeg`) decoded and
 * normalized exactly as the image datasets do, or a `.wav` clip through the speech front-end, which gives the
 * Speech Commands spectrogram image, normalized the same way.
 */
import { extname } from 'node:path';
import { MsatError, type Tensor } from '../core/index.js';
import { readWav } from './audio/wav.js';
import { SPEECH_FRONT_END, spectrogramImage } from './audio/spectrogram-image.js';
import { decodeImageFile } from './image-decode.js';
import { buildNormalizationTables, normalizeChw, normalizeHwc } from './normalize.js';

/** Options of `readInputFile`. */
export interface InputFileOptions {
  /** Channels an image is converted to (1 gray, 3 RGB). Default: 3. Ignored for WAV. */
  readonly channels?: 1 | 3;
  /** Per-channel mean after scaling to [0, 1]; one value or one per channel. Default `[0]`. */
  readonly mean?: readonly number[];
  /** Per-channel std; default `[1]`. */
  readonly std?: readonly number[];
}

/** The kinds of file `readInputFile` reads, by extension. */
export const INPUT_FILE_KINDS = { image: ['.png', '.jpg', '.jpeg'], audio: ['.wav'] } as const;

/** Reads `file` as one normalized sample `[C, H, W]`: images as they are, WAV as `[1, 98, 40]` spectrograms. */
export async function readInputFile(file: string, options: InputFileOptions = {}): Promise<Tensor<'float32'>> {
  const ext = extname(file).toLowerCase();
  const mean = options.mean ?? [0];
  const std = options.std ?? [1];
  if ((INPUT_FILE_KINDS.audio as readonly string[]).includes(ext)) {
    const { samples } = await readWav(file);
    const fe = SPEECH_FRONT_END;
    const pixels = fe.frames * fe.melBands;
    const data = new Float32Array(pixels);
    normalizeChw(spectrogramImage(samples, fe), 0, data, 0, pixels, buildNormalizationTables(mean, std, 1, file));
    return { type: 'float32', dims: [1, fe.frames, fe.melBands], data };
  }
  if ((INPUT_FILE_KINDS.image as readonly string[]).includes(ext)) {
    const channels = options.channels ?? 3;
    const img = await decodeImageFile(file, { channels });
    const pixels = img.width * img.height;
    const data = new Float32Array(pixels * channels);
    normalizeHwc(img.data, data, 0, pixels, buildNormalizationTables(mean, std, channels, file));
    return { type: 'float32', dims: [channels, img.height, img.width], data };
  }
  throw new MsatError(
    'DATA_FORMAT',
    `${file}: unsupported input file type '${ext || '(none)'}'; msat reads ${[...INPUT_FILE_KINDS.image, ...INPUT_FILE_KINDS.audio].join(', ')}`,
  );
}
