/** What a result records about how it was made: msat's version and commit, the machine, input hashes. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Provenance } from './results.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export { MSAT_VERSION } from '../core/index.js';

function packageVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `git rev-parse HEAD` of msat's checkout, `-dirty` when tracked files changed; null outside a checkout. */
export function gitCommit(): string | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
  } catch {
    return null;
  }
}

/** The machine a result was computed on. */
export function machine(threads: number): Provenance['machine'] {
  const cpu = cpus();
  return {
    platform: process.platform,
    arch: process.arch,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    onnxruntime: packageVersion(join(PACKAGE_ROOT, 'node_modules', 'onnxruntime-node')),
    threads,
  };
}

/**
 * SHA-256 over every file under `root` in sorted path order (path, then bytes), so the same data gives the same
 * hash wherever it is extracted. A single file hashes its bytes with its name.
 */
export async function hashTree(root: string): Promise<string> {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  if ((await stat(root)).isDirectory()) await walk(root);
  else files.push(root);
  files.sort();
  // read a few files at a time: tens of thousands of small files (CIFAR JPEGs, IMDB reviews) are I/O-bound
  const width = 32;
  for (let i = 0; i < files.length; i += width) {
    const contents = await Promise.all(files.slice(i, i + width).map((f) => readFile(f)));
    contents.forEach((bytes, j) => hash.update(`${relative(root, files[i + j]) || files[i + j]}\0${bytes.length}\0`).update(bytes));
  }
  return hash.digest('hex');
}
