/**
 * Where downloaded datasets live: `MSAT_CACHE` when set, else the platform's cache folder for msat
 * (`$XDG_CACHE_HOME/msat` or `~/.cache/msat` on Linux, `~/Library/Caches/msat` on macOS,
 * `%LOCALAPPDATA%\msat\Cache` on Windows), as env-paths defines them.
 *
 *   <cache>/datasets/<name>/        an installed dataset, complete (it appears by one rename)
 *   <cache>/downloads/<file>.part   a transfer in progress, resumed by the next `msat datasets get`
 */
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';

/** The msat cache folder, read from the environment at each call (tests and users may change `MSAT_CACHE`). */
export function msatCacheDir(): string {
  const override = process.env.MSAT_CACHE;
  if (override !== undefined && override !== '') return resolve(override);
  return envPaths('msat', { suffix: '' }).cache;
}

/** `<cache>/datasets/<name>`, whether or not it exists. */
export function downloadedDatasetDir(name: string, cacheDir = msatCacheDir()): string {
  return join(cacheDir, 'datasets', name);
}

/** `<cache>/downloads`, where archives are fetched before they are extracted. */
export function downloadsDir(cacheDir = msatCacheDir()): string {
  return join(cacheDir, 'downloads');
}
