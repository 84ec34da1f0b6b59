/**
 * The word tokenizer of the text datasets: lower-case, HTML line breaks (`<br />`, which IMDB reviews are full
 * of) become spaces, and a word is a run of letters, digits and apostrophes. Apostrophes at either end of a run
 * are dropped, so `'quoted'` gives `quoted` while `don't` stays one word: the convention of IMDB's own
 * `imdb.vocab`, which has `don't` and `cliché` but no word starting or ending with an apostrophe.
 *
 * A hand-written scanner instead of `text.match(/[\p{L}\p{N}']+/gu)`: on the 25,000 training reviews it is
 * about as fast, and it gives each word's bounds without building a match array per review.
 */

const APOSTROPHE = 39;
const UNICODE_WORD_CHAR = /[\p{L}\p{N}]/u;

/** Whether UTF-16 code unit `c` belongs to a word (ASCII decided inline, the rest by Unicode letter/number). */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === APOSTROPHE || (c >= 65 && c <= 90);
  return UNICODE_WORD_CHAR.test(String.fromCharCode(c));
}

/** The words of `text`, in order; see the file comment for the rules. */
export function tokenize(text: string): string[] {
  const s = text.replace(/<br\s*\/?>/gi, ' ').toLowerCase();
  const words: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && !isWordChar(s.charCodeAt(i))) i++;
    let start = i;
    while (i < n && isWordChar(s.charCodeAt(i))) i++;
    let end = i;
    while (start < end && s.charCodeAt(start) === APOSTROPHE) start++;
    while (end > start && s.charCodeAt(end - 1) === APOSTROPHE) end--;
    if (end > start) words.push(s.slice(start, end));
  }
  return words;
}
