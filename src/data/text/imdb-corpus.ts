/**
 * Reading and tokenising the reviews of an IMDB folder (`<root>/{train,test}/{neg,pos}/<id>_<rating>.txt`),
 * once per folder and process.
 *
 * Why a process-wide cache (the one piece of module state in the data layer): the vocabulary comes from the
 * training split, so opening the test split needs the whole training corpus too, and the trainer opens the
 * training split twice and the test split once. Tokenising 25,000 reviews costs a few seconds; the cache makes
 * every further open free. It holds word ids in typed arrays (about 25 MB per split), not strings.
 */
import { join, resolve } from 'node:path';
import { MsatError } from '../../core/index.js';
import type { DatasetSplit } from '../dataset.js';
import { compareNames, listDir, pathKind, readFileBytes } from '../files.js';
import { countWords, rankWords } from './vocabulary.js';
import { tokenize } from './tokenize.js';

/** The class folders, in label order: label 0 = `neg`, 1 = `pos`. */
export const IMDB_CLASSES: readonly string[] = ['neg', 'pos'];

const REVIEW_FILE = /^(\d+)_(\d+)\.txt$/;
/** Files read at once: enough to keep the disk and the thread pool busy while the main thread tokenises. */
const READ_CONCURRENCY = 32;

/** One split's reviews in dataset order (all `neg` files by numeric id, then all `pos` files by numeric id). */
export interface ImdbSplit {
  readonly files: readonly string[];
  readonly labels: Int32Array;
  /** Corpus word ids of each review, in order. */
  readonly docs: readonly Int32Array[];
}

/** Everything tokenised so far under one root: the word list shared by both splits, and each split's reviews. */
interface CorpusEntry {
  readonly words: string[];
  readonly ids: Map<string, number>;
  readonly splits: Map<DatasetSplit, Promise<ImdbSplit>>;
  /** Training words by rank (see `rankWords`), computed on first use. */
  ranked?: Int32Array;
}

const corpora = new Map<string, CorpusEntry>();

/** Whether `dir` has `train/` or `test/` holding both `neg/` and `pos/` folders. */
export async function isImdbFolder(dir: string): Promise<boolean> {
  for (const split of ['train', 'test']) {
    if ((await pathKind(join(dir, split, 'neg'))) === 'dir' && (await pathKind(join(dir, split, 'pos'))) === 'dir') return true;
  }
  return false;
}

/** The review files of one class folder, sorted by numeric id; a file not named `<id>_<rating>.txt` is an error. */
async function listReviews(dir: string): Promise<string[]> {
  if ((await pathKind(dir)) !== 'dir') {
    throw new MsatError('DATA_NOT_FOUND', `${dir}: IMDB class folder missing; an IMDB split folder holds neg/ and pos/`);
  }
  const entries: { name: string; id: number }[] = [];
  for (const e of await listDir(dir)) {
    const m = REVIEW_FILE.exec(e.name);
    if (e.isDirectory() || !m) {
      throw new MsatError('DATA_FORMAT', `${join(dir, e.name)}: not an IMDB review file; expected <id>_<rating>.txt files only`);
    }
    entries.push({ name: e.name, id: Number(m[1]) });
  }
  entries.sort((a, b) => a.id - b.id || compareNames(a.name, b.name));
  return entries.map((e) => join(dir, e.name));
}

function decodeReview(bytes: Uint8Array, file: string): string {
  if (bytes.length === 0) throw new MsatError('DATA_CORRUPT', `${file}: empty review file; the dataset is truncated or damaged`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new MsatError('DATA_CORRUPT', `${file}: not valid UTF-8 text; the file is damaged or not a review`, { cause: e });
  }
}

async function readSplit(root: string, split: DatasetSplit, entry: CorpusEntry): Promise<ImdbSplit> {
  const files: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < IMDB_CLASSES.length; c++) {
    for (const f of await listReviews(join(root, split, IMDB_CLASSES[c]))) {
      files.push(f);
      labels.push(c);
    }
  }
  const docs: Int32Array[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const words = tokenize(decodeReview(await readFileBytes(files[i]), files[i]));
      const doc = new Int32Array(words.length);
      for (let k = 0; k < words.length; k++) {
        let id = entry.ids.get(words[k]);
        if (id === undefined) {
          id = entry.words.length;
          entry.ids.set(words[k], id);
          entry.words.push(words[k]);
        }
        doc[k] = id;
      }
      docs[i] = doc;
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker));
  return { files, labels: Int32Array.from(labels), docs };
}

function entryOf(root: string): CorpusEntry {
  const key = resolve(root);
  let entry = corpora.get(key);
  if (!entry) {
    entry = { words: [], ids: new Map(), splits: new Map() };
    corpora.set(key, entry);
  }
  return entry;
}

/** The tokenised reviews of `split` under `root`, read on first use and cached for the process. */
export function loadImdbSplit(root: string, split: DatasetSplit): Promise<ImdbSplit> {
  const entry = entryOf(root);
  let pending = entry.splits.get(split);
  if (!pending) {
    pending = readSplit(root, split, entry);
    entry.splits.set(split, pending);
    // A failed read is not cached: after the user fixes the file, the next open reads again.
    pending.catch(() => entry.splits.delete(split));
  }
  return pending;
}

/** The corpus word list and the training words by rank, for building a vocabulary of any size. */
export async function loadImdbVocabularySource(root: string): Promise<{ words: readonly string[]; ranked: Int32Array }> {
  const entry = entryOf(root);
  const train = await loadImdbSplit(root, 'train');
  entry.ranked ??= rankWords(countWords(train.docs, entry.words.length), entry.words);
  return { words: entry.words, ranked: entry.ranked };
}
