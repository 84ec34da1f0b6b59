/**
 * Downloading one archive: resumable (an HTTP Range request continues `<file>.part`), retried after a dropped
 * connection, and verified (byte size, then SHA-256) before it is renamed to `<file>`. A truncated transfer
 * keeps the `.part` for the next run; an archive of the wrong size or digest is deleted, since resuming it
 * would only extend a wrong file.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { MsatError, sha256File } from '../../core/index.js';
import { archiveFileName, type DatasetArchive } from './catalog.js';

export interface FetchArchiveOptions {
  /** Replaces the URL's scheme and host (its path, if any, is prepended): `MSAT_DATASETS_MIRROR`. */
  readonly mirror?: string;
  /** Further attempts after a dropped connection or a stalled transfer (default 3). */
  readonly retries?: number;
  /** A transfer that receives nothing for this long is dropped and resumed (default 60 s). */
  readonly stallMs?: number;
  /** Bytes of the archive on disk so far (resumed bytes included) and its size. */
  readonly onProgress?: (done: number, total: number) => void;
  /** One-line status: resuming, retrying, verifying. */
  readonly onNote?: (message: string) => void;
}

/** A transfer that ended early or could not start: worth another attempt, the `.part` kept. */
class Interrupted extends Error {}

/** `url` with its origin replaced by `mirror` (e.g. `http://127.0.0.1:8080` or `https://host/prefix`). */
export function mirroredUrl(url: string, mirror: string | undefined): string {
  if (mirror === undefined || mirror === '') return url;
  const u = new URL(url);
  let base: URL;
  try {
    base = new URL(mirror);
  } catch (e) {
    throw new MsatError('DATA_OPTIONS', `dataset mirror "${mirror}" is not a URL (e.g. http://host:port or https://host/path)`, { cause: e });
  }
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${u.pathname}${u.search}`;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Makes `<dir>/<file>` a verified copy of `archive` and returns its path: kept if already verified, else
 * downloaded into `<file>.part` (continuing what is there) and checked.
 *
 * Errors: `DATA_DOWNLOAD` (an HTTP error such as 404, an unreachable host, or a transfer still cut short
 * after the retries; the message names the URL and says the `.part` is kept), `DATA_CHECKSUM` (size or
 * SHA-256 not the published ones; the download is deleted).
 */
export async function fetchArchive(archive: DatasetArchive, dir: string, options: FetchArchiveOptions = {}): Promise<string> {
  const file = join(dir, archiveFileName(archive));
  const part = `${file}.part`;
  const url = mirroredUrl(archive.url, options.mirror);
  await mkdir(dir, { recursive: true });
  if ((await sizeOf(file)) === archive.size && (await sha256File(file, 'DATA_IO')) === archive.sha256) return file;
  await rm(file, { force: true });

  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      await transfer(url, part, archive.size, options);
      break;
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      const have = (await sizeOf(part)) ?? 0;
      if (attempt >= retries) {
        const kept =
          have > 0
            ? `${mb(have)} of ${mb(archive.size)} kept in ${part}: run the same command again to resume`
            : 'nothing was downloaded (check the connection, or set MSAT_DATASETS_MIRROR to a mirror)';
        throw new MsatError('DATA_DOWNLOAD', `${url}: ${e.message}; ${kept}`, { cause: e });
      }
      options.onNote?.(`${url}: ${e.message}; retrying from ${mb(have)} (attempt ${attempt + 2} of ${retries + 1})`);
      await sleep(Math.min(8000, 500 * 2 ** attempt));
    }
  }

  options.onNote?.(`verifying ${archiveFileName(archive)} (SHA-256)`);
  const digest = await sha256File(part, 'DATA_IO');
  if (digest !== archive.sha256) {
    await rm(part, { force: true });
    throw new MsatError(
      'DATA_CHECKSUM',
      `${url}: SHA-256 is ${digest}, expected ${archive.sha256}; the download was deleted and nothing was extracted ` +
        '(run the command again; if it recurs, the server or a proxy serves another file)',
    );
  }
  await rename(part, file);
  return file;
}

/** One HTTP request that continues `part` up to `size` bytes; throws `Interrupted` when worth retrying. */
async function transfer(url: string, part: string, size: number, options: FetchArchiveOptions): Promise<void> {
  let have = (await sizeOf(part)) ?? 0;
  if (have > size) {
    await rm(part, { force: true });
    have = 0;
  }
  if (have === size) return;
  if (have > 0) options.onNote?.(`resuming ${url} at ${mb(have)} of ${mb(size)}`);

  const abort = new AbortController();
  const stallMs = options.stallMs ?? 60_000;
  let timer = setTimeout(() => abort.abort(), stallMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), stallMs);
  };
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: abort.signal });
    } catch (e) {
      throw new Interrupted(`cannot reach the server (${describe(e, abort)})`);
    }
    if (response.status === 416) {
      // Nothing past `have` on the server: the .part is not a prefix of its file. Start over.
      await rm(part, { force: true });
      throw new Interrupted('the server refused to resume (HTTP 416); starting over');
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new Interrupted(`HTTP ${response.status} ${response.statusText}`);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new MsatError('DATA_DOWNLOAD', `${url}: HTTP ${response.status} ${response.statusText}; nothing was downloaded`);
    }
    if (response.status === 206 && contentRangeStart(response) !== have) {
      await response.body.cancel();
      await rm(part, { force: true });
      throw new Interrupted('the server resumed at another offset; starting over');
    }
    const resumed = response.status === 206;
    if (!resumed) have = 0; // a 200 is the whole file again
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length) && have + length !== size) {
      await response.body.cancel();
      await rm(part, { force: true });
      throw new MsatError('DATA_CHECKSUM', `${url}: the server's file is ${have + length} bytes, the published archive ${size}; nothing was kept`);
    }
    let done = have;
    options.onProgress?.(done, size);
    const count = async function* (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        touch();
        done += chunk.length;
        if (done > size) throw new MsatError('DATA_CHECKSUM', `${url}: the server sent more than the published ${size} bytes`);
        options.onProgress?.(done, size);
        yield chunk;
      }
    };
    try {
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
        count,
        createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
      );
    } catch (e) {
      if (e instanceof MsatError) {
        await rm(part, { force: true });
        throw e;
      }
      throw new Interrupted(`transfer stopped (${describe(e, abort)})`);
    }
    if (done < size) throw new Interrupted(`the server closed the transfer at ${mb(done)} of ${mb(size)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The first byte of a 206 response's `Content-Range: bytes a-b/n`. */
function contentRangeStart(response: Response): number | undefined {
  const m = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

function describe(e: unknown, abort: AbortController): string {
  if (abort.signal.aborted) return 'no data received for a while';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? cause?.code ?? (e as Error).message;
}
