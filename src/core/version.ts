/** msat's own version, read once from its package.json (two folders above this file in `src/` and in `dist/`). */
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The `version` of msat's package.json (`'unknown'` if it cannot be read). */
export const MSAT_VERSION = packageVersion();
