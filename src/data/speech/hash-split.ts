/**
 * The official Speech Commands partition (the dataset README's and TensorFlow's `which_set`): a clip's set
 * depends only on its speaker part, so one speaker's clips never straddle two sets and new clips never move
 * old ones.
 *
 *   hash    = SHA-1 of the file name's part before `_nohash_` (UTF-8), as a 160-bit integer
 *   percent = (hash mod 2^27) · 100 / (2^27 − 1)        (MAX_NUM_WAVS_PER_CLASS = 2^27 − 1)
 *   percent < 10 → validation, < 20 → testing, else training
 *
 * hash mod 2^27 is the low 27 bits, i.e. the last 7 hex digits of the digest masked to 27 bits.
 */
import { createHash } from 'node:crypto';

/** The three sets of the official split. */
export type SpeechCommandsSet = 'training' | 'validation' | 'testing';

const MAX_NUM_WAVS_PER_CLASS = 2 ** 27 - 1;

/** The part of a file name that is hashed: everything before `_nohash_`, or the whole name without extension. */
export function hashedNamePart(fileName: string): string {
  const at = fileName.indexOf('_nohash_');
  if (at >= 0) return fileName.slice(0, at);
  const dot = fileName.indexOf('.');
  return dot >= 0 ? fileName.slice(0, dot) : fileName;
}

/** The percentage in [0, 100] that decides the set of `hashedPart`. */
export function hashPercentage(hashedPart: string): number {
  const hex = createHash('sha1').update(hashedPart, 'utf8').digest('hex');
  const low27 = Number.parseInt(hex.slice(-7), 16) & MAX_NUM_WAVS_PER_CLASS;
  return low27 * (100 / MAX_NUM_WAVS_PER_CLASS);
}

/** The set of the clip in `fileName` (10 % validation, 10 % testing, 80 % training by default). */
export function speechCommandsSet(fileName: string, validationPercent = 10, testingPercent = 10): SpeechCommandsSet {
  const p = hashPercentage(hashedNamePart(fileName));
  if (p < validationPercent) return 'validation';
  if (p < validationPercent + testingPercent) return 'testing';
  return 'training';
}
