/**
 * How well the WAV front-end reproduces the Speech Commands spectrogram archive: every clip of the official
 * test-set WAV subset whose image is in the archive (the ten keywords, and the `_unknown_` clips whose word the
 * archive's `unknown` folder kept: 1,022 pairs) goes through `spectrogramImage` and is compared with the
 * archive's JPEG, pixel by pixel.
 *
 * Measured when the parameters were fitted: Pearson r = 0.99588, mean absolute error 3.37 levels (of 255).
 * The archive's JPEGs are quality 75 (their quantisation table is the standard one at q75), and re-encoding our
 * own images at q75 alone moves them by 3.27 levels on average: what is left is JPEG noise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { SPEECH_COMMANDS_CLASSES, createSpectrogramMaker, findCachedDataset, readWav } from '../../src/data/index.js';

const images = findCachedDataset('speech-commands-spectrograms');
const wavs = findCachedDataset('speech-commands-test-wav');
const skip = images && wavs ? false : 'dataset cache missing: run `npm run datasets` (the pretest step) first';

/** [wav, image] pairs: `yes/<clip>.wav` ↔ `yes/<clip>.yes.jpg`, `_unknown_/<word>_<clip>.wav.wav` ↔ `unknown/<clip>.<word>.jpg`. */
function matchedPairs(): [string, string][] {
  const pairs: [string, string][] = [];
  for (const word of SPEECH_COMMANDS_CLASSES.slice(0, 10)) {
    for (const f of readdirSync(join(wavs!, word)).sort())
      pairs.push([join(wavs!, word, f), join(images!, word, f.replace(/\.wav$/, `.${word}.jpg`))]);
  }
  for (const f of readdirSync(join(wavs!, '_unknown_')).sort()) {
    const m = /^([a-z]+)_(.+)\.wav\.wav$/.exec(f);
    if (m) pairs.push([join(wavs!, '_unknown_', f), join(images!, 'unknown', `${m[2]}.${m[1]}.jpg`)]);
  }
  return pairs.filter(([, img]) => existsSync(img));
}

test('front-end vs archive: Pearson r ≥ 0.995 and mean absolute error ≤ 3.5 levels over all matched pairs', { skip }, async (t) => {
  const pairs = matchedPairs();
  assert.equal(pairs.length, 1022);
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let absError = 0;
  let worst = { mae: 0, file: '' };
  const started = performance.now();
  const frontEnd = createSpectrogramMaker();
  // sharp decodes on the thread pool: keep a few JPEGs in flight while the front-end runs on the main thread.
  const decode = (jpg: string) => sharp(jpg).greyscale().raw().toBuffer({ resolveWithObject: true });
  const pending = pairs.slice(0, 8).map(([, jpg]) => decode(jpg));
  for (let k = 0; k < pairs.length; k++) {
    const [wav, jpg] = pairs[k];
    if (k + 8 < pairs.length) pending.push(decode(pairs[k + 8][1]));
    const ours = frontEnd.image((await readWav(wav)).samples);
    const { data: theirs, info } = await pending[k];
    assert.deepEqual([info.height, info.width], [98, 40], jpg);
    let clipError = 0;
    for (let i = 0; i < ours.length; i++) {
      const x = ours[i];
      const y = theirs[i];
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      clipError += Math.abs(x - y);
    }
    n += ours.length;
    absError += clipError;
    if (clipError / ours.length > worst.mae) worst = { mae: clipError / ours.length, file: wav };
  }
  const r = (sxy - (sx * sy) / n) / Math.sqrt((sxx - (sx * sx) / n) * (syy - (sy * sy) / n));
  const mae = absError / n;
  t.diagnostic(
    `${pairs.length} pairs in ${(performance.now() - started).toFixed(0)} ms: Pearson r ${r.toFixed(5)}, ` +
      `mean absolute error ${mae.toFixed(3)} levels; worst clip ${worst.mae.toFixed(2)} (${worst.file})`,
  );
  assert.ok(r >= 0.995, `r = ${r}`);
  assert.ok(mae <= 3.5, `MAE = ${mae}`);
  assert.ok(worst.mae <= 12, `worst clip MAE ${worst.mae}: ${worst.file}`);
});
