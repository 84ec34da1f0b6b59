/**
 * Extracts the dataset archives in `../shared/datasets/` into the git-ignored `.cache/datasets/` cache.
 * Idempotent: an archive is extracted once, then a `.<archive>.done` marker skips it.
 *
 *   tsx scripts/prepare-datasets.ts [archive-name ...]    (default: the archives the tests need)
 *
 * `MSAT_SHARED_DATASETS` overrides where the archives are looked for.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const sharedDir = resolve(process.env.MSAT_SHARED_DATASETS ?? join(root, '..', 'shared', 'datasets'));
const cacheDir = join(root, '.cache', 'datasets');
const DEFAULT_ARCHIVES = ['lossless-samples.tar.gz', 'cifar10-jpeg.tar.gz'];

const wanted = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_ARCHIVES;
mkdirSync(cacheDir, { recursive: true });
for (const name of wanted) {
  const archive = join(sharedDir, name.endsWith('.tar.gz') ? name : `${name}.tar.gz`);
  const marker = join(cacheDir, `.${name.replace(/\.tar\.gz$/, '')}.done`);
  if (existsSync(marker)) continue;
  if (!existsSync(archive)) {
    console.error(`prepare-datasets: ${archive} not found; set MSAT_SHARED_DATASETS to the folder holding it`);
    process.exitCode = 1;
    continue;
  }
  const started = Date.now();
  await tar.x({ file: archive, cwd: cacheDir });
  writeFileSync(marker, new Date().toISOString() + '\n');
  console.error(`prepare-datasets: extracted ${name} into ${cacheDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
