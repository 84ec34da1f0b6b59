/**
 * Extracts the dataset archives in `../shared/datasets/` into the git-ignored `.cache/datasets/` cache.
 * Idempotent: an archive is extracted once, then a `.<archive>.done` marker skips it.
 *
 *   tsx scripts/prepare-datasets.ts [archive-name ...]    (default: the archives the tests need)
 *
 * `MSAT_SHARED_DATASETS` overrides where the archives are looked for.
 *
 * The system `tar` extracts when there is one: on the 50,000 small files of aclImdb it took 3.8 s where
 * node-tar took 56 s (2 busy cores), so all five archives fit in the `pretest` step. node-tar is the fallback.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const sharedDir = resolve(process.env.MSAT_SHARED_DATASETS ?? join(root, '..', 'shared', 'datasets'));
const cacheDir = join(root, '.cache', 'datasets');
const DEFAULT_ARCHIVES = [
  'lossless-samples.tar.gz',
  'cifar10-jpeg.tar.gz',
  'aclImdb.tar.gz',
  'speech-commands-spectrograms.tar.gz',
  'speech-commands-test-wav-subset.tar.gz',
];

/** Extracts `archive` into `dir` with the system tar, or with node-tar where that is missing or fails. */
async function extract(archive: string, dir: string): Promise<string> {
  const r = spawnSync('tar', ['-xzf', archive, '-C', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status === 0) return 'tar';
  await tar.x({ file: archive, cwd: dir });
  return 'node-tar';
}

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
  const how = await extract(archive, cacheDir);
  writeFileSync(marker, new Date().toISOString() + '\n');
  console.error(`prepare-datasets: extracted ${name} into ${cacheDir} in ${((Date.now() - started) / 1000).toFixed(1)} s (${how})`);
}
