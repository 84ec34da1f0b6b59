/**
 * Vocabulary and fixed-length encoding of tokenised documents, as pure functions over typed arrays.
 *
 * Documents are stored as corpus word ids (positions in one list of every distinct word seen, in order of first
 * appearance); a vocabulary maps corpus ids to token ids. Token ids: 0 pads, 1 is any word outside the
 * vocabulary, 2 .. vocabSize−1 are the most frequent training words, most frequent first, ties broken by plain
 * code-unit order of the word, so the vocabulary depends only on the training documents, never on file-system
 * or Map iteration order.
 */

/** Id of the padding token. */
export const PAD_ID = 0;
/** Id of every word outside the vocabulary. */
export const UNKNOWN_ID = 1;
/** Ids below this are reserved (padding, unknown). */
export const FIRST_WORD_ID = 2;

/** How often each corpus word occurs in `docs` (`[wordCount]`). */
export function countWords(docs: readonly Int32Array[], wordCount: number): Int32Array {
  const counts = new Int32Array(wordCount);
  for (const doc of docs) for (let i = 0; i < doc.length; i++) counts[doc[i]]++;
  return counts;
}

/**
 * Corpus ids of the words that occur (`counts > 0`), most frequent first, ties by code-unit order of the word.
 * The vocabulary of any size is a prefix of this ranking.
 */
export function rankWords(counts: Int32Array, words: readonly string[]): Int32Array {
  const ids: number[] = [];
  for (let id = 0; id < counts.length; id++) if (counts[id] > 0) ids.push(id);
  ids.sort((a, b) => counts[b] - counts[a] || (words[a] < words[b] ? -1 : words[a] > words[b] ? 1 : 0));
  return Int32Array.from(ids);
}

/**
 * The corpus-id → token-id table of a vocabulary of `vocabSize` ids: the first vocabSize − 2 ranked words get
 * ids 2, 3, …; every other corpus word (rarer, or absent from the training documents) gets `UNKNOWN_ID`.
 */
export function vocabularyLookup(ranked: Int32Array, wordCount: number, vocabSize: number): Int32Array {
  const lookup = new Int32Array(wordCount).fill(UNKNOWN_ID);
  const kept = Math.min(ranked.length, vocabSize - FIRST_WORD_ID);
  for (let r = 0; r < kept; r++) lookup[ranked[r]] = FIRST_WORD_ID + r;
  return lookup;
}

/**
 * Writes `doc` as `sequenceLength` token ids into `dst` at `offset`. A longer document keeps its LAST
 * `sequenceLength` words (reviews tend to end on their verdict; Sun et al. 2019 found tail-only truncation
 * slightly better than head-only on IMDB), a shorter one is padded with `PAD_ID` at the FRONT, so the words
 * always end at the last position (Keras' `pad_sequences` defaults, 'pre' truncation and padding).
 */
export function encodeSequence(doc: Int32Array, lookup: Int32Array, sequenceLength: number, dst: Float32Array, offset: number): void {
  const kept = Math.min(doc.length, sequenceLength);
  const pad = sequenceLength - kept;
  dst.fill(PAD_ID, offset, offset + pad);
  const from = doc.length - kept;
  for (let i = 0; i < kept; i++) dst[offset + pad + i] = lookup[doc[from + i]];
}
