/** The pure parts of `msat datasets`: the mirror rewrite, the cache folder, the catalog and the preset hint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { DOWNLOADABLE_DATASETS, archiveFileName, mirroredUrl, msatCacheDir, projectCacheHint } from '../../src/data/index.js';

test('a mirror replaces the scheme and host and keeps the publisher path', () => {
  const url = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
  assert.equal(mirroredUrl(url, undefined), url);
  assert.equal(mirroredUrl(url, ''), url);
  assert.equal(mirroredUrl(url, 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/~kriz/cifar-10-binary.tar.gz');
  assert.equal(mirroredUrl(url, 'https://mirror.example/msat/'), 'https://mirror.example/msat/~kriz/cifar-10-binary.tar.gz');
  assert.throws(() => mirroredUrl(url, 'not a url'), { code: 'DATA_OPTIONS' });
});

test('MSAT_CACHE overrides the platform cache folder', () => {
  const saved = process.env.MSAT_CACHE;
  try {
    process.env.MSAT_CACHE = 'some/cache';
    assert.equal(msatCacheDir(), resolve('some/cache'));
    delete process.env.MSAT_CACHE;
    assert.match(msatCacheDir(), /msat/);
  } finally {
    if (saved === undefined) delete process.env.MSAT_CACHE;
    else process.env.MSAT_CACHE = saved;
  }
});

test('every catalog archive has an https/http URL, a size and a SHA-256, and a unique file name', () => {
  const files = DOWNLOADABLE_DATASETS.flatMap((d) => d.archives.map(archiveFileName));
  assert.equal(new Set(files).size, files.length);
  for (const a of DOWNLOADABLE_DATASETS.flatMap((d) => d.archives)) {
    assert.match(a.url, /^https?:\/\//);
    assert.ok(Number.isInteger(a.size) && a.size > 0);
    assert.match(a.sha256, /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(
    DOWNLOADABLE_DATASETS.map((d) => d.name),
    ['cifar10', 'cifar100', 'imdb', 'speech-commands', 'speech-commands-full', 'fashion-mnist'],
  );
});

test('a missing folder of the project cache says how to get the data; other paths get no hint', () => {
  assert.match(projectCacheHint('.cache/datasets/cifar10-jpeg'), /npm run datasets.*msat datasets get cifar10.*--data cifar10/);
  assert.match(projectCacheHint('/x/.cache/datasets/aclImdb/test'), /msat datasets get imdb/);
  assert.match(projectCacheHint('.cache\\datasets\\lossless'), /npm run datasets/);
  assert.equal(projectCacheHint('data/cifar10-jpeg'), '');
});
