/**
 * The 12 labels of the Speech Commands keyword-spotting task (Warden 2018, and TensorFlow's
 * `speech_commands` example): ten keywords, `_unknown_` for the other 25 words, `_silence_` for background noise.
 */

/** Class names in label order. */
export const SPEECH_COMMANDS_CLASSES: readonly string[] = [
  'yes',
  'no',
  'up',
  'down',
  'left',
  'right',
  'on',
  'off',
  'stop',
  'go',
  '_unknown_',
  '_silence_',
];

/**
 * The folder names each class may have, in order of preference: the spectrogram archive calls them `unknown`
 * and `_background_noise_`, the official test-set WAV archive `_unknown_` and `_silence_`.
 */
export const SPEECH_COMMANDS_FOLDERS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  SPEECH_COMMANDS_CLASSES.map((c) => [
    c,
    c === '_unknown_' ? ['unknown', '_unknown_'] : c === '_silence_' ? ['_background_noise_', '_silence_'] : [c],
  ]),
);
