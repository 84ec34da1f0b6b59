/**
 * Mutants of small datasets built from real data (the first MNIST test records as IDX, plain and gzipped; the
 * lossless CIFAR-10 samples as a CIFAR-10 binary batch, as lossless-samples files and as an image folder of
 * PNGs; CIFAR-10 JPEGs in an image folder; Speech Commands WAV clips; IMDB reviews), and what reading them must do:
 * open with the seed's classes (an IDX file: those first) and give every batch with finite values and labels inside them, or throw one `MsatError`
 * of a `DATA_*` code whose single-line message names the damaged file. Damage: a byte overwritten anywhere or in
 * the header, a size field of the header overwritten, the file cut short or given trailing bytes, and for the
 * formats that store labels (IDX, CIFAR binary, lossless-samples file names) a label changed. Formats whose real
 * data is not in the dataset cache (`npm run datasets`) are skipped. Used by test/unit/fuzz-datasets.test.ts
 * and scripts/fuzz.ts.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { isMsatError } from '../../src/core/index.js';
import { findCachedDataset, mnistDataDir, openDataset } from '../../src/data/index.js';
import type { Outcome } from './file-mutants.js';
import { filePosition } from './onnx-mutants.js';

/** A dataset format: a small real folder of it, and where its labels are stored. */
export interface DataFormat {
  readonly name: string;
  /** Why the format cannot be seeded here (its real data is missing), or undefined. */
  missing(): string | undefined;
  /** Writes the seed folder under `dir`; returns the paths (relative to `dir`) of the files that damage may hit. */
  seed(dir: string): Promise<string[]>;
  /** Sets label `at` (modulo the count) to `value`, for formats whose files hold the labels; returns the file changed. */
  relabel?(dir: string, at: number, value: number): string;
}

/** One mutation of a dataset folder: `file` picks one of the seed's files (modulo). */
export type DataMutation =
  | { readonly kind: 'byte'; readonly file: number; readonly fraction: number; readonly byte: number }
  | { readonly kind: 'header'; readonly file: number; readonly at: number; readonly byte: number }
  | {
      readonly kind: 'size-field';
      readonly file: number;
      readonly at: number;
      readonly width: 2 | 4;
      readonly littleEndian: boolean;
      readonly value: number;
    }
  | { readonly kind: 'truncate'; readonly file: number; readonly fraction: number }
  | { readonly kind: 'append'; readonly file: number; readonly bytes: Uint8Array }
  | { readonly kind: 'label'; readonly at: number; readonly value: number };

const index = fc.noBias(fc.nat());

/** A byte offset into a header: the first 64 bytes (IDX, WAV, PNG's IHDR) or the first 256 (a JPEG's frame header). */
const headerOffset = fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 255 }));

/** Mutations of a format; `label` only for formats that store labels. */
export function dataMutations(format: DataFormat): fc.Arbitrary<DataMutation> {
  const kinds: fc.Arbitrary<DataMutation>[] = [
    fc.record({ kind: fc.constant('byte' as const), file: index, fraction: filePosition, byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('header' as const), file: index, at: headerOffset, byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant('size-field' as const),
      file: index,
      at: headerOffset,
      width: fc.constantFrom(2 as const, 4 as const),
      littleEndian: fc.boolean(),
      value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 10, 255, 256, 784, 1000, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff), fc.nat()),
    }),
    fc.record({ kind: fc.constant('truncate' as const), file: index, fraction: filePosition }),
    fc.record({ kind: fc.constant('append' as const), file: index, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  ];
  if (format.relabel) {
    kinds.push(
      fc.record({
        kind: fc.constant('label' as const),
        at: index,
        value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(9, 10, 11, 99, 100, 101, 999, 1000, 65535)),
      }),
    );
  }
  return fc.oneof(...kinds);
}

/** The cached dataset folder `name`, or throws (`missing()` is checked first). */
function cached(name: string): string {
  const dir = findCachedDataset(name);
  if (!dir) throw new Error(`dataset cache ${name} missing`);
  return dir;
}

function missingCache(...names: string[]): string | undefined {
  const absent = names.filter((n) => findCachedDataset(n) === undefined);
  return absent.length === 0 ? undefined : `dataset cache ${absent.join(', ')} missing: run \`npm run datasets\``;
}

/** The first `count` records of the MNIST test set as IDX files (images, labels). */
function mnistIdx(count: number): { images: Uint8Array; labels: Uint8Array } {
  const dir = mnistDataDir();
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte')).subarray(0, 16 + count * 784);
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte')).subarray(0, 8 + count);
  const out = { images: Uint8Array.from(images), labels: Uint8Array.from(labels) };
  new DataView(out.images.buffer).setUint32(4, count);
  new DataView(out.labels.buffer).setUint32(4, count);
  return out;
}

/** The lossless CIFAR-10 samples: file names in index order, labels, pixels as CIFAR stores them (CHW). */
async function cifarSamples(count: number): Promise<{ files: string[]; labels: number[]; chw: Uint8Array[] }> {
  const dir = cached('lossless');
  const files = readdirSync(dir)
    .filter((f) => /^cifar10_\d+_\d+\.png$/.test(f))
    .sort()
    .slice(0, count);
  const chw: Uint8Array[] = [];
  for (const f of files) {
    const { data } = await sharp(join(dir, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const planar = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) planar[c * 1024 + p] = data[p * 3 + c];
    chw.push(planar);
  }
  return { files: files.map((f) => join(dir, f)), labels: files.map((f) => Number(/_(\d+)\.png$/.exec(f)![1])), chw };
}

/** Copies the first `count` files (sorted) of `from` into `to`. */
function copyFirst(from: string, to: string, count: number, pattern = /./): string[] {
  mkdirSync(to, { recursive: true });
  const names = readdirSync(from)
    .filter((f) => pattern.test(f))
    .sort()
    .slice(0, count);
  for (const n of names) cpSync(join(from, n), join(to, n));
  return names.map((n) => join(to, n));
}

function relabelIdx(dir: string, at: number, value: number, gz: boolean): string {
  const file = join(dir, `t10k-labels-idx1-ubyte${gz ? '.gz' : ''}`);
  const { labels } = mnistIdx(IDX_COUNT);
  labels[8 + (at % IDX_COUNT)] = value & 0xff;
  writeFileSync(file, gz ? gzipSync(labels) : labels);
  return file;
}

const IDX_COUNT = 16;

function idxFormat(gz: boolean): DataFormat {
  const suffix = gz ? '.gz' : '';
  return {
    name: gz ? 'IDX (gzip)' : 'IDX',
    missing: () => undefined,
    async seed(dir) {
      const { images, labels } = mnistIdx(IDX_COUNT);
      const files = [`t10k-images-idx3-ubyte${suffix}`, `t10k-labels-idx1-ubyte${suffix}`];
      writeFileSync(join(dir, files[0]), gz ? gzipSync(images) : images);
      writeFileSync(join(dir, files[1]), gz ? gzipSync(labels) : labels);
      return files;
    },
    relabel: (dir, at, value) => relabelIdx(dir, at, value, gz),
  };
}

const CIFAR_COUNT = 8;

export const DATA_FORMATS: readonly DataFormat[] = [
  idxFormat(false),
  idxFormat(true),
  {
    name: 'CIFAR-10 binary',
    missing: () => missingCache('lossless'),
    async seed(dir) {
      const { labels, chw } = await cifarSamples(CIFAR_COUNT);
      const records = new Uint8Array(CIFAR_COUNT * 3073);
      chw.forEach((pixels, i) => {
        records[i * 3073] = labels[i];
        records.set(pixels, i * 3073 + 1);
      });
      writeFileSync(join(dir, 'test_batch.bin'), records);
      return ['test_batch.bin'];
    },
    relabel(dir, at, value) {
      const file = join(dir, 'test_batch.bin');
      const bytes = readFileSync(file);
      bytes[(at % CIFAR_COUNT) * 3073] = value & 0xff;
      writeFileSync(file, bytes);
      return file;
    },
  },
  {
    name: 'lossless samples (PNG)',
    missing: () => missingCache('lossless'),
    async seed(dir) {
      return copyFirst(cached('lossless'), dir, 6, /^cifar10_\d+_\d+\.png$/).map((f) => basename(f));
    },
    relabel(dir, at, value) {
      const files = readdirSync(dir).sort();
      const from = files[at % files.length];
      const to = from.replace(/_\d+\.png$/, `_${value}.png`);
      renameSync(join(dir, from), join(dir, to));
      return join(dir, to);
    },
  },
  {
    name: 'image folder (PNG)',
    missing: () => missingCache('lossless'),
    async seed(dir) {
      const { files, labels } = await cifarSamples(6);
      return files.map((f, i) => {
        const to = join('test', `class${labels[i] % 2}`, basename(f));
        mkdirSync(join(dir, dirname(to)), { recursive: true });
        cpSync(f, join(dir, to));
        return to;
      });
    },
  },
  {
    name: 'image folder (JPEG)',
    missing: () => missingCache('cifar10-jpeg'),
    async seed(dir) {
      return ['airplane', 'automobile'].flatMap((c) =>
        copyFirst(join(cached('cifar10-jpeg'), 'test', c), join(dir, 'test', c), 3).map((f) => join('test', c, basename(f))),
      );
    },
  },
  {
    name: 'Speech Commands WAV',
    missing: () => missingCache('speech-commands-test-wav'),
    async seed(dir) {
      return ['yes', 'no'].flatMap((w) =>
        copyFirst(join(cached('speech-commands-test-wav'), w), join(dir, w), 2, /\.wav$/).map((f) => join(w, basename(f))),
      );
    },
  },
  {
    name: 'IMDB text',
    missing: () => missingCache('aclImdb'),
    async seed(dir) {
      return ['train', 'test'].flatMap((split) =>
        ['neg', 'pos'].flatMap((c) =>
          copyFirst(join(cached('aclImdb'), split, c), join(dir, split, c), 2, /^\d+_\d+\.txt$/).map((f) => join(split, c, basename(f))),
        ),
      );
    },
  },
];

/** `bytes` with `m` applied (every kind but `label`). */
export function mutateBytes(bytes: Uint8Array, m: Exclude<DataMutation, { kind: 'label' }>): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (m.kind) {
    case 'byte':
      if (out.length > 0) out[Math.min(out.length - 1, Math.floor(m.fraction * out.length))] = m.byte;
      return out;
    case 'header':
      if (m.at < out.length) out[m.at] = m.byte;
      return out;
    case 'size-field': {
      if (m.at + m.width > out.length) return out;
      const view = new DataView(out.buffer);
      if (m.width === 2) view.setUint16(m.at, m.value & 0xffff, m.littleEndian);
      else view.setUint32(m.at, m.value >>> 0, m.littleEndian);
      return out;
    }
    case 'truncate':
      return out.subarray(0, Math.floor(m.fraction * out.length));
    case 'append': {
      const longer = new Uint8Array(out.length + m.bytes.length);
      longer.set(out);
      longer.set(m.bytes, out.length);
      return longer;
    }
  }
}

/** A mutation as one line of JSON, for failure messages. */
function describe(m: DataMutation): string {
  return JSON.stringify(m, (_, v: unknown) => (v instanceof Uint8Array ? `[${v.length} bytes]` : v));
}

const CODES = new Set(['DATA_CORRUPT', 'DATA_FORMAT', 'DATA_SHAPE', 'DATA_NOT_FOUND']);

/**
 * Copies the seed folder to `dir`, applies `m` to one of its files, opens the copy with `openDataset` and reads
 * every batch. Returns the outcome; throws (fails the property) for anything but a dataset whose batches are
 * finite and whose labels name its classes, or a one-line `DATA_*` error naming the damaged file.
 */
export async function readDataMutant(
  format: DataFormat,
  seedDir: string,
  files: readonly string[],
  classes: readonly string[],
  dir: string,
  m: DataMutation,
): Promise<Outcome> {
  cpSync(seedDir, dir, { recursive: true });
  let damaged: string;
  if (m.kind === 'label') damaged = format.relabel!(dir, m.at, m.value);
  else {
    damaged = join(dir, files[m.file % files.length]);
    writeFileSync(damaged, mutateBytes(readFileSync(damaged), m));
  }
  const what = (): string => `${format.name}: ${describe(m)} of ${damaged}`;
  try {
    const dataset = await openDataset(dir);
    // an IDX file's classes grow to fit its largest label (EMNIST has more than ten); the seed's come first
    const grows = format.name.startsWith('IDX') && dataset.classes.length > classes.length;
    if (dataset.classes.slice(0, grows ? classes.length : undefined).join() !== classes.join())
      throw new Error(`${what()} was read with classes ${dataset.classes.join(', ')}`);
    let read = 0;
    for await (const batch of dataset.batches(4)) {
      const bad = batch.x.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`${what()} read sample values such as ${batch.x.data[bad]}`);
      for (const label of batch.labels) {
        if (!(label >= 0 && label < dataset.classes.length)) throw new Error(`${what()} read label ${label} of ${dataset.classes.length} classes`);
      }
      read += batch.labels.length;
    }
    if (read !== dataset.length) throw new Error(`${what()} read ${read} samples of ${dataset.length}`);
    return 'accepted';
  } catch (e) {
    if (!isMsatError(e)) {
      if (e instanceof Error && e.message.startsWith(format.name)) throw e;
      throw new Error(`${what()} gave a ${e instanceof Error ? e.name : typeof e}: ${String(e)}`);
    }
    if (!CODES.has(e.code)) throw new Error(`${what()} gave code ${e.code}: ${e.message}`);
    if (!e.message.includes(damaged) || e.message.includes('\n'))
      throw new Error(`${what()}: the message must be one line naming the file: ${e.message}`);
    return 'refused';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `cases` seeded mutants per format whose data is here; returns the outcome counts per format and kind of
 * damage, and the formats skipped with the reason.
 */
export async function fuzzDatasets(
  dir: string,
  cases: number,
  seed = 0,
): Promise<{ table: Map<string, Map<string, Record<Outcome, number>>>; skipped: Map<string, string> }> {
  const table = new Map<string, Map<string, Record<Outcome, number>>>();
  const skipped = new Map<string, string>();
  for (const [i, format] of DATA_FORMATS.entries()) {
    const why = format.missing();
    if (why) {
      skipped.set(format.name, why);
      continue;
    }
    const seedDir = join(dir, `seed-${i}`);
    mkdirSync(seedDir, { recursive: true });
    const files = await format.seed(seedDir);
    const { classes } = await openDataset(seedDir);
    const counts = new Map<string, Record<Outcome, number>>();
    table.set(format.name, counts);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(dataMutations(format), async (m) => {
        const outcome = await readDataMutant(format, seedDir, files, classes, join(dir, `case-${i}-${n++}`), m);
        const row = counts.get(m.kind) ?? { accepted: 0, refused: 0 };
        row[outcome]++;
        counts.set(m.kind, row);
      }),
      // a mutant whose reading takes this long hangs (a decoder waiting for bytes that never come)
      { numRuns: cases, seed: seed + i, endOnFailure: true, timeout: 20_000 },
    );
  }
  return { table, skipped };
}
