/**
 * The WAV front-end on synthetic clips: the FFT path against a plain DFT, the mel filterbank's shape, image
 * orientation (a steady tone is one bright column), the padding of short clips, the cropping of long ones,
 * trailing-zero trimming, and the WAV format checks. How well it reproduces the real spectrogram archive is
 * measured in `test/integration/data-speech-front-end.test.ts`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { isMsatError } from '../../src/core/index.js';
import {
  SPEECH_FRONT_END,
  decodeWav,
  frameCount,
  hzToMel,
  melFilterbank,
  melPowerFrames,
  melToHz,
  readInputFile,
  spectrogramImage,
} from '../../src/data/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-speech-fe-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const fe = SPEECH_FRONT_END;

/** Deterministic noise-like 16-bit samples (a linear congruential generator), amplitude `amp`. */
function noise(n: number, amp = 3000, seed = 1): Int16Array {
  const out = new Int16Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = Math.round(((s / 2 ** 32) * 2 - 1) * amp);
  }
  return out;
}

function tone(n: number, hz: number, amp = 8000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / fe.sampleRate)));
}

function wavBytes(samples: Int16Array | Int32Array | Uint8Array, { channels = 1, rate = 16000, depth = '16' } = {}): Uint8Array {
  const wav = new wavefile.WaveFile();
  const data = channels === 1 ? samples : [samples, samples];
  wav.fromScratch(channels, rate, depth, data as ArrayLike<number>);
  return wav.toBuffer();
}

function rowIsZero(img: Uint8Array, row: number): boolean {
  return img.subarray(row * fe.melBands, (row + 1) * fe.melBands).every((v) => v === 0);
}

test('mel power through fft.js equals a plain DFT of the windowed frame (relative 1e-9)', () => {
  const x = noise(16000);
  const frame = 37;
  const fast = melPowerFrames(x, frame, 1);
  const bands = melFilterbank({ fftSize: fe.fftSize, sampleRate: fe.sampleRate, bands: fe.melBands, lowHz: fe.lowHz, highHz: fe.highHz });
  for (let m = 0; m < fe.melBands; m++) {
    let e = 0;
    bands[m].weights.forEach((w, i) => {
      const k = bands[m].start + i;
      let re = 0;
      let im = 0;
      for (let n = 0; n < fe.windowLength; n++) {
        const v = (x[frame * fe.hopLength + n] / 32768) * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / fe.windowLength));
        re += v * Math.cos((2 * Math.PI * k * n) / fe.fftSize);
        im -= v * Math.sin((2 * Math.PI * k * n) / fe.fftSize);
      }
      e += w * (re * re + im * im);
    });
    assert.ok(Math.abs(fast[m] - e) <= 1e-9 * e, `band ${m}: ${fast[m]} vs ${e}`);
  }
});

test('mel filterbank: HTK triangles from 0 to 4000 Hz, peak weight at most 1, centres rising', () => {
  assert.ok(Math.abs(melToHz(hzToMel(1234.5)) - 1234.5) < 1e-9);
  const bands = melFilterbank({ fftSize: 512, sampleRate: 16000, bands: 40, lowHz: 0, highHz: 4000 });
  assert.equal(bands.length, 40);
  let lastPeak = -1;
  for (const b of bands) {
    const peak = b.start + b.weights.indexOf(Math.max(...b.weights));
    assert.ok(b.weights.every((w) => w >= 0 && w <= 1) && Math.max(...b.weights) > 0.3);
    assert.ok(peak >= lastPeak, 'band centres rise');
    lastPeak = peak;
  }
  assert.ok((bands[39].start + bands[39].weights.length - 1) * (16000 / 512) <= 4000);
});

test('image layout: rows are time frames, columns mel bands; a steady 1 kHz tone is one bright column', () => {
  const img = spectrogramImage(tone(16000, 1000));
  assert.equal(img.length, 98 * 40);
  const bright = (row: number): number => {
    const r = Array.from(img.subarray(row * 40, row * 40 + 40));
    return r.indexOf(Math.max(...r));
  };
  const expected = Math.round((hzToMel(1000) / hzToMel(4000)) * 41) - 1; // band whose centre is nearest 1 kHz
  for (const row of [0, 50, 97]) assert.ok(Math.abs(bright(row) - expected) <= 1, `row ${row}: column ${bright(row)}, expected ~${expected}`);
});

test('short clips get rows of 0 split evenly around their frames; long clips keep their central frames', () => {
  const short = noise(8000);
  const frames = frameCount(8000); // 1 + floor((8000 − 480) / 160) = 48
  assert.equal(frames, 48);
  const img = spectrogramImage(short);
  for (let r = 0; r < 98; r++) assert.equal(rowIsZero(img, r), r < 25 || r >= 73, `row ${r}`);
  // Trailing zeros are trimmed: the end-padded one-second version gives the same image.
  const padded = new Int16Array(16000);
  padded.set(short);
  assert.deepEqual(spectrogramImage(padded), img);
  // Without trimming, the zeros are audio: frames 0..47 hold the clip (the boundary frame too), the rest silence.
  const untrimmed = spectrogramImage(padded, { ...fe, trimTrailingZeros: false });
  assert.ok(!rowIsZero(untrimmed, 0) && rowIsZero(untrimmed, 97));
  // 2 s: 198 frames, the central 98 (frames 50..147) are kept.
  const long = noise(32000, 3000, 7);
  const center = long.subarray(50 * 160, 50 * 160 + 16000);
  assert.deepEqual(spectrogramImage(long), spectrogramImage(Int16Array.from(center)));
  // Silence (all zeros) is all padding; shorter than one window as well.
  assert.ok(spectrogramImage(new Int16Array(16000)).every((v) => v === 0));
  assert.ok(spectrogramImage(noise(300)).every((v) => v === 0));
});

test('WAV checks: 16 kHz mono 16-bit PCM only, other formats and damaged files name the file', async () => {
  const ok = join(tmp, 'ok.wav');
  writeFileSync(ok, wavBytes(noise(16000)));
  // The byte-copy fast path reads what wavefile's own sample unpacker reads.
  const decoded = decodeWav(wavBytes(noise(16000)), ok).samples;
  assert.deepEqual(decoded, noise(16000));
  const slow = new wavefile.WaveFile(wavBytes(noise(16000))).getSamples(false, Int16Array) as unknown as Int16Array;
  assert.deepEqual(decoded, Int16Array.from(slow));
  const sample = await readInputFile(ok, { mean: [0.5], std: [0.25] });
  assert.deepEqual(sample.dims, [1, 98, 40]);
  const raw = spectrogramImage(noise(16000));
  assert.ok(sample.data.every((v, i) => Math.abs(v - (raw[i] / 255 - 0.5) / 0.25) < 1e-6));

  const cases: [string, Uint8Array, string][] = [
    ['rate.wav', wavBytes(noise(100), { rate: 44100 }), 'DATA_FORMAT'],
    ['stereo.wav', wavBytes(noise(100), { channels: 2 }), 'DATA_FORMAT'],
    [
      '8bit.wav',
      wavBytes(
        Uint8Array.from({ length: 100 }, (_, i) => i),
        { depth: '8' },
      ),
      'DATA_FORMAT',
    ],
    [
      '24bit.wav',
      wavBytes(
        Int32Array.from({ length: 100 }, (_, i) => i * 1000),
        { depth: '24' },
      ),
      'DATA_FORMAT',
    ],
    ['garbage.wav', Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255), 'DATA_CORRUPT'],
  ];
  for (const [name, bytes, code] of cases) {
    const file = join(tmp, name);
    writeFileSync(file, bytes);
    await assert.rejects(readInputFile(file), (e: unknown) => isMsatError(e) && e.code === code && e.message.includes(file), name);
  }
  assert.throws(() => decodeWav(wavBytes(noise(10), { rate: 8000 }), 'x.wav'), /16 kHz mono 16-bit PCM/);
  await assert.rejects(
    readInputFile(join(tmp, 'clip.mp3')),
    (e: unknown) => isMsatError(e) && e.code === 'DATA_FORMAT' && e.message.includes('.mp3'),
  );
});

/** `bytes` with the little-endian uint32 size of its first `data` chunk set to `size`. */
function withDataSize(bytes: Uint8Array, size: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = Buffer.from(out).indexOf('data');
  assert.ok(at > 0);
  new DataView(out.buffer).setUint32(at + 4, size, true);
  return out;
}

test('WAV data chunk: a size of 0 or past the end of the file is DATA_CORRUPT naming the file and the byte counts', async () => {
  const good = wavBytes(noise(100)); // 44-byte header + 200 bytes of samples
  assert.equal(good.length, 244);
  const cases: [string, Uint8Array, string[]][] = [
    ['header-only.wav', good.subarray(0, 44), ['declares 200 bytes', 'only 0 bytes follow']],
    ['truncated.wav', good.subarray(0, 200), ['declares 200 bytes', 'only 156 bytes follow']],
    ['zero.wav', withDataSize(good, 0), ['declared size 0']],
    ['huge.wav', withDataSize(good, 0x7fffffff), [`declares ${0x7fffffff} bytes`, 'only 200 bytes follow']],
  ];
  for (const [name, bytes, parts] of cases) {
    const file = join(tmp, name);
    writeFileSync(file, bytes);
    await assert.rejects(readInputFile(file), (e: unknown) => {
      assert.ok(isMsatError(e), String(e));
      assert.equal(e.code, 'DATA_CORRUPT', e.message);
      for (const part of [file, ...parts]) assert.ok(e.message.includes(part), `${name}: message should mention ${part}: ${e.message}`);
      return true;
    });
  }
  // RIFF pads an odd-sized chunk with one byte; a final chunk may have the pad byte or not.
  const odd = withDataSize(good, 199);
  assert.deepEqual(decodeWav(odd, 'padded.wav').samples, noise(99));
  assert.deepEqual(decodeWav(odd.subarray(0, 243), 'unpadded.wav').samples, noise(99));
  // A chunk after the data chunk is fine: only the data chunk's own size has to fit.
  const junk = Uint8Array.from([...good, ...Buffer.from('junk'), 4, 0, 0, 0, 1, 2, 3, 4]);
  assert.deepEqual(decodeWav(junk, 'junk.wav').samples, noise(100));
});
