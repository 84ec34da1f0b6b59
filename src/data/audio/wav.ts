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
    throw new MsatError('DATA_CORRUPT', `${file}: cannot read as a WAV file (${(e as Error).message}); the file is damaged or not a WAV file`, {
      cause: e,
    });
  }
  const dataSize = checkDataChunk(wav, bytes, file);
  const fmt = wav.fmt as { audioFormat?: number; numChannels?: number; sampleRate?: number; bitsPerSample?: number };
  const want = SPEECH_WAV_FORMAT;
  if (
    !PCM_FORMAT_TAGS.has(fmt.audioFormat ?? -1) ||
    wav.bitDepth !== '16' ||
    fmt.numChannels !== want.channels ||
    fmt.sampleRate !== want.sampleRate
  ) {
    throw new MsatError(
      'DATA_FORMAT',
      `${file}: WAV holds ${fmt.numChannels} channel(s) at ${fmt.sampleRate} Hz, bit depth ${wav.bitDepth} (format tag ${fmt.audioFormat}); ` +
        'the speech front-end takes 16 kHz mono 16-bit PCM: convert it first, e.g. `sox in.wav -r 16000 -c 1 -b 16 out.wav`',
    );
  }
  return { sampleRate: fmt.sampleRate, samples: samplesOf(wav, dataSize, file) };
}

/**
 * Checks the `data` chunk's declared size against the bytes present. wavefile walks the chunks by their
 * declared sizes and slices whatever is left, so a header-only file, a size of 0 or a size far past the end
 * of the file would otherwise decode to too few (or no) samples without a word. The chunks are walked here the
 * way wavefile walks them (from byte 12, each chunk 8 header bytes + its size, rounded up to even: RIFF pads
 * odd-sized chunks with one byte), and the first `data` chunk is the one it reads. An odd-sized final chunk
 * may have its pad byte or not: only the declared size has to fit. Returns the declared size (`Infinity` if
 * no data chunk was found, which wavefile has refused already).
 */
function checkDataChunk(wav: InstanceType<typeof wavefile.WaveFile>, bytes: Uint8Array, file: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = wav.container !== 'RIFX';
  const chunks = new Map<string, { size: number; start: number }>();
  for (let at = 12; at <= bytes.length - 8;) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, littleEndian);
    if (!chunks.has(id)) chunks.set(id, { size, start: at + 8 });
    if (id === 'data') break;
    at += 8 + size + (size % 2);
  }
  const data = chunks.get('data');
  if (data === undefined) return Infinity; // wavefile itself refuses a file without a data chunk
  let declared = data.size;
  const ds64 = chunks.get('ds64');
  if (wav.container === 'RF64' && declared === 0xffffffff && ds64 !== undefined && ds64.start + 16 <= bytes.length) {
    // RF64 keeps the real 64-bit size in its ds64 chunk, after the 64-bit RIFF size.
    declared = view.getUint32(ds64.start + 12, true) * 2 ** 32 + view.getUint32(ds64.start + 8, true);
  }
  const present = bytes.length - data.start;
  if (declared === 0) {
    throw new MsatError('DATA_CORRUPT', `${file}: WAV data chunk is empty (declared size 0 bytes); the file holds no audio`);
  }
  if (declared > present) {
    throw new MsatError(
      'DATA_CORRUPT',
      `${file}: WAV data chunk declares ${declared} bytes of audio but only ${present} bytes follow it ` +
        `(file is ${bytes.length} bytes); the file is truncated or its header is damaged`,
    );
  }
  return declared;
}

/**
 * The 16-bit samples. A RIFF file stores them little-endian, as the typed arrays of every platform Node runs on
 * here do, so they are copied as bytes: wavefile's `getSamples` unpacks sample by sample, about 20× slower.
 */
function samplesOf(wav: InstanceType<typeof wavefile.WaveFile>, dataSize: number, file: string): Int16Array {
  const raw = (wav.data as { samples?: Uint8Array }).samples;
  if (wav.container === 'RIFF' && raw instanceof Uint8Array) {
    // wavefile's slice of an odd-sized chunk includes the pad byte, which is not audio.
    const length = Math.min(raw.length, dataSize);
    const bytes = new Uint8Array(length - (length % 2));
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
