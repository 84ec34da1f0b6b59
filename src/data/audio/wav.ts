/**
 * Reading WAV files for the speech front-end. Only what the Speech Commands clips are is accepted — 16 kHz,
 * mono, 16-bit integer PCM — because the front-end's constants (frame length, mel bands, 8-bit scaling) were
 * fitted to exactly that; anything else is rejected, naming the file and what it holds, rather than resampled.
 */
import wavefile from 'wavefile';
import { MsatError } from '../../core/index.js';
import { readFileBytes } from '../files.js';

/** Decoded 16-bit PCM samples. */
export interface PcmAudio {
  readonly sampleRate: number;
  /** One channel, raw 16-bit sample values. */
  readonly samples: Int16Array;
}

/** What `decodeWav` insists on. */
export const SPEECH_WAV_FORMAT = { sampleRate: 16000, channels: 1, bitsPerSample: 16 } as const;

/** WAVE_FORMAT_PCM, and WAVE_FORMAT_EXTENSIBLE (whose sub-format wavefile has already checked against bitDepth). */
const PCM_FORMAT_TAGS = new Set([1, 0xfffe]);

/** Decodes WAV bytes (`file` names them in errors) as 16 kHz mono 16-bit PCM. */
export function decodeWav(bytes: Uint8Array, file: string): PcmAudio {
  let wav: InstanceType<typeof wavefile.WaveFile>;
  try {
    wav = new wavefile.WaveFile(bytes);
  } catch (e) {
    throw new MsatError('DATA_CORRUPT', `${file}: cannot read as a WAV file (${(e as Error).message}); the file is damaged or not a WAV file`, { cause: e });
  }
  const fmt = wav.fmt as { audioFormat?: number; numChannels?: number; sampleRate?: number; bitsPerSample?: number };
  const want = SPEECH_WAV_FORMAT;
  if (!PCM_FORMAT_TAGS.has(fmt.audioFormat ?? -1) || wav.bitDepth !== '16' || fmt.numChannels !== want.channels || fmt.sampleRate !== want.sampleRate) {
    throw new MsatError(
      'DATA_FORMAT',
      `${file}: WAV holds ${fmt.numChannels} channel(s) at ${fmt.sampleRate} Hz, bit depth ${wav.bitDepth} (format tag ${fmt.audioFormat}); ` +
        'the speech front-end takes 16 kHz mono 16-bit PCM: convert it first, e.g. `sox in.wav -r 16000 -c 1 -b 16 out.wav`',
    );
  }
  return { sampleRate: fmt.sampleRate, samples: samplesOf(wav, file) };
}

/**
 * The 16-bit samples. A RIFF file stores them little-endian, as the typed arrays of every platform Node runs on
 * here do, so they are copied as bytes: wavefile's `getSamples` unpacks sample by sample, about 20× slower.
 */
function samplesOf(wav: InstanceType<typeof wavefile.WaveFile>, file: string): Int16Array {
  const raw = (wav.data as { samples?: Uint8Array }).samples;
  if (wav.container === 'RIFF' && raw instanceof Uint8Array) {
    const bytes = new Uint8Array(raw.length - (raw.length % 2));
    bytes.set(raw.subarray(0, bytes.length));
    return new Int16Array(bytes.buffer);
  }
  try {
    return wav.getSamples(false, Int16Array) as unknown as Int16Array;
  } catch (e) {
    throw new MsatError('DATA_CORRUPT', `${file}: cannot read the WAV samples (${(e as Error).message})`, { cause: e });
  }
}

/** Reads and decodes a WAV file; see `decodeWav`. */
export async function readWav(file: string): Promise<PcmAudio> {
  return decodeWav(await readFileBytes(file), file);
}
