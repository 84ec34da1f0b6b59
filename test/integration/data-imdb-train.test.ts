/**
 * `train` on an IMDB-layout folder written here (a few dozen short reviews whose sentiment is one word): the
 * text CNN is built with the dataset's vocabulary size and sequence length, no image augmentation touches the
 * token ids, the loss falls, and the model's metadata records what reading the data again needs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '../../src/data/index.js';
import { textOptionsOfMetadata } from '../../src/model/index.js';
import { train } from '../../src/train/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-imdb-train-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FILLER = ['the', 'film', 'plot', 'actor', 'scene', 'story', 'music', 'was', 'and', 'it'];

/** Reviews of 6..11 filler words with `great` (pos) or `awful` (neg) somewhere inside. */
function writeReviews(root: string, split: string, perClass: number, seed: number): void {
  let s = seed;
  const next = (n: number): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n;
  for (const [cls, word, rating] of [
    ['neg', 'awful', 2],
    ['pos', 'great', 9],
  ] as const) {
    mkdirSync(join(root, split, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const words = Array.from({ length: 6 + next(6) }, () => FILLER[next(FILLER.length)]);
      words.splice(next(words.length), 0, word);
      writeFileSync(join(root, split, cls, `${i}_${rating}.txt`), words.join(' ') + '.');
    }
  }
}

test('train --arch text-cnn on IMDB-layout text: vocabulary size and sequence length from the data, recorded in the model', async (t) => {
  const root = join(tmp, 'aclImdb');
  writeReviews(root, 'train', 48, 1);
  writeReviews(root, 'test', 16, 2);
  const result = await train({
    arch: 'text-cnn',
    data: root,
    vocabSize: 14,
    sequenceLength: 16,
    width: 0.2,
    epochs: 6,
    batchSize: 16,
    optimizer: { kind: 'adam' },
    lr: 0.01,
    seed: 1,
    threads: 1,
  });
  const losses = result.history.map((e) => e.trainLoss);
  t.diagnostic(`train loss per epoch ${losses.map((l) => l.toFixed(3)).join(', ')}; validation accuracy ${result.accuracy}`);
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `training loss should fall: ${losses.map((l) => l.toFixed(3)).join(', ')}`);
  assert.ok(result.accuracy >= 0.9, `validation accuracy ${result.accuracy}`);
  assert.deepEqual([result.config.vocabSize, result.config.sequenceLength], [14, 16]);

  const model = result.network;
  assert.deepEqual(model.inputs[0], { name: 'input', type: 'int64', dims: ['N', 16] });
  const embedding = model.layers.find((l) => l.kind === 'embedding');
  assert.ok(embedding?.kind === 'embedding', 'an embedding layer');
  assert.deepEqual(embedding.weight.dims, [14, 128]);
  assert.deepEqual(JSON.parse(model.metadata['msat.classes']), ['neg', 'pos']);
  assert.deepEqual(textOptionsOfMetadata(model.metadata), { vocabSize: 14, sequenceLength: 16 });
  // The metadata is enough to open the data as the model was trained on it.
  const again = await openDataset(root, textOptionsOfMetadata(model.metadata));
  assert.deepEqual(again.text, { vocabSize: 14, sequenceLength: 16 });
});
