/**
 * Where the project's dataset cache lives: `<project>/.cache/datasets/`, filled by
 * `scripts/prepare-datasets.ts` (the `pretest` step) from the archives in `../shared/datasets/`.
 *
 * These functions only look; they never extract or download, so tests and commands can ask "is the CIFAR-10
 * JPEG set there?" and skip or explain instead of doing slow work as a side effect.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root: the nearest folder above this module that has a `package.json`. Found from the module's
 * own location (not the working directory) so it is the same from `src/` under tsx and from `dist/`.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** `<project>/.cache/datasets`, whether or not it exists yet. */
export function datasetCacheDir(): string {
  return join(projectRoot(), '.cache', 'datasets');
}

/**
 * The path of `name` inside the dataset cache (e.g. `'lossless'`, `'cifar10-jpeg'`), or `undefined` when it has
 * not been extracted; run `npm run datasets` to extract it.
 */
export function findCachedDataset(name: string): string | undefined {
  const path = join(datasetCacheDir(), name);
  return existsSync(path) ? path : undefined;
}
