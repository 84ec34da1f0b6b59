/**
 * File-system helpers shared by the format readers, so that every format reports a missing or unreadable
 * file the same way: `DATA_NOT_FOUND` for a path that is not there, `DATA_IO` for one that cannot be read,
 * `DATA_CORRUPT` for a gzip stream that does not decompress. Each message names the file.
 */
import { readFile as readFileCallback, readFileSync, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { MsatError } from '../core/index.js';

/** `'dir'`, `'file'`, or `undefined` when nothing (readable) is at `path`. */
export async function pathKind(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** Entries of `dir` sorted by name (plain code-unit order), hidden entries (`.name`) left out. */
export async function listDir(dir: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw ioError(e, dir, 'cannot list folder');
  }
  return entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => compareNames(a.name, b.name));
}

/**
 * Plain code-unit order, the order of Python's `sorted()` on ASCII names, which torchvision's ImageFolder
 * uses for class indices (not `localeCompare`, whose order depends on the locale).
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ioError(e: unknown, path: string, what: string): MsatError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MsatError('DATA_NOT_FOUND', `${path}: ${what}: it does not exist`, { cause: e });
  }
  return new MsatError('DATA_IO', `${path}: ${what}: ${(e as Error).message}`, { cause: e });
}

/**
 * Reads a whole file. Uses the callback `fs.readFile`, which for many small files (a JPEG dataset) is several
 * times faster than `fs.promises.readFile`, whose chunked reads cost extra thread-pool round trips.
 */
export function readFileBytes(file: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    readFileCallback(file, (err, data) => (err ? reject(ioError(err, file, 'cannot read file')) : resolve(data)));
  });
}

/**
 * Reads a whole file synchronously. For a dataset of small image files this is the fastest way here (about
 * 40 µs per CIFAR JPEG against 90 µs through the thread pool) and the batch reader yields to the event loop
 * between groups of files, so the blocking stays in slices of well under a millisecond per file.
 */
export function readFileBytesSync(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw ioError(e, file, 'cannot read file');
  }
}

/** Reads a file and gunzips it when its name ends in `.gz`. */
export async function readMaybeGzip(file: string): Promise<Uint8Array> {
  const bytes = await readFileBytes(file);
  if (!file.endsWith('.gz')) return bytes;
  return new Promise((resolve, reject) => {
    gunzip(bytes, (err, out) =>
      err
        ? reject(
            new MsatError('DATA_CORRUPT', `${file}: cannot decompress gzip data (${err.message}); the file is truncated or damaged`, { cause: err }),
          )
        : resolve(out),
    );
  });
}

/** Size in bytes of a file, or a `DATA_NOT_FOUND` / `DATA_IO` error naming it. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (e) {
    throw ioError(e, file, 'cannot read file');
  }
}

/** The first of `candidates` (paths) that is a file, or `undefined`. */
export async function firstExistingFile(candidates: readonly string[]): Promise<string | undefined> {
  for (const c of candidates) if ((await pathKind(c)) === 'file') return c;
  return undefined;
}
