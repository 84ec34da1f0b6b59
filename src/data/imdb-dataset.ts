/**
 * The IMDB Large Movie Review dataset (Maas et al. 2011) in its official layout,
 * `<root>/{train,test}/{neg,pos}/<id>_<rating>.txt`, as token-id sequences for sentiment classification.
 *
 * - Classes `['neg', 'pos']`. Dataset order: every `neg` review by numeric file id, then every `pos` review by
 *   numeric id, so `--limit` alone takes negative reviews only; `--every` spreads a subset over both classes.
 * - Tokens: see `text/tokenize.ts`. Vocabulary: the `vocabSize − 2` most frequent words of the TRAINING split
 *   (whichever split is opened), ties broken alphabetically; see `text/vocabulary.ts` for the ids.
 * - Samples: `[sequenceLength]` token ids as float32 (exact integers; the ANN session casts them to the model's
 *   int64 input). Long reviews keep their last `sequenceLength` words, short ones are padded with 0 in front.
 *
 * Token ids are not pixels: a mean/std other than the identity (0, 1) is an error, not a silent rescale.
 */
import { MsatError } from '../core/index.js';
import { BatchedDataset, type SampleReader } from './batched-dataset.js';
import { trainOrTestSplit, type Dataset, type ResolvedDatasetOptions } from './dataset.js';
import { IMDB_CLASSES, loadImdbSplit, loadImdbVocabularySource } from './text/imdb-corpus.js';
import { encodeSequence, vocabularyLookup } from './text/vocabulary.js';

export { isImdbFolder } from './text/imdb-corpus.js';

function rejectPixelOptions(root: string, options: ResolvedDatasetOptions): void {
  const identity = (v: readonly number[], x: number): boolean => v.every((m) => m === x);
  if (!identity(options.mean, 0) || !identity(options.std, 1)) {
    throw new MsatError(
      'DATA_OPTIONS',
      `${root} is an IMDB text dataset of token ids; mean/std (got [${options.mean.join(', ')}] / [${options.std.join(', ')}]) apply only to images`,
    );
  }
  if (options.resize || options.set !== undefined) {
    throw new MsatError('DATA_OPTIONS', `${root} is an IMDB text dataset; imageSize and set apply only to image files`);
  }
}

/** Opens the `options.split` reviews of the IMDB folder `root`. */
export async function openImdbDataset(root: string, options: ResolvedDatasetOptions): Promise<Dataset> {
  rejectPixelOptions(root, options);
  const { vocabSize, sequenceLength } = options.text;
  // The training split first: the vocabulary needs it whichever split is asked for.
  const { words, ranked } = await loadImdbVocabularySource(root);
  const split = await loadImdbSplit(root, trainOrTestSplit('imdb', root, options));
  const lookup = vocabularyLookup(ranked, words.length, vocabSize);
  const length = Math.min(split.docs.length, options.limit);
  const reader: SampleReader = {
    async read(positions, dst) {
      for (let j = 0; j < positions.length; j++) encodeSequence(split.docs[positions[j]], lookup, sequenceLength, dst, j * sequenceLength);
    },
  };
  return new BatchedDataset({
    format: 'imdb',
    root,
    split: options.split,
    sampleShape: [sequenceLength],
    classes: IMDB_CLASSES,
    labels: split.labels.slice(0, length),
    reader,
    text: { vocabSize, sequenceLength },
  });
}
