/**
 * `msat datasets get <name...>`: download, verify and extract public datasets into the msat cache, so
 * `--data cifar10` works anywhere. `msat datasets list`: what is known, what is present, where and how large.
 */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { MsatError } from '../../core/index.js';
import type { GlobalOptions } from '../global-options.js';
import { createProgress, type Progress } from '../progress.js';

interface GetFlags {
  readonly checksums?: string;
}

type Checksums = Record<string, { size: number; sha256: string }>;

/** Reads the `--checksums` file: `{ "<archive file>": { "size": bytes, "sha256": "hex" } }`. */
async function readChecksums(file: string): Promise<Checksums> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new MsatError('DATA_OPTIONS', `--checksums ${file}: cannot read as JSON (${(e as Error).message})`, { cause: e });
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.values(parsed).every(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        Number.isInteger((v as { size: unknown }).size) &&
        /^[0-9a-f]{64}$/i.test(String((v as { sha256: unknown }).sha256)),
    );
  if (!ok)
    throw new MsatError('DATA_OPTIONS', `--checksums ${file}: expected { "<archive file>": { "size": <bytes>, "sha256": "<64 hex digits>" } }`);
  return parsed as Checksums;
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

export function registerDatasets(program: Command, globals: () => GlobalOptions): void {
  const datasets = program
    .command('datasets')
    .description(
      'download the public datasets msat reads (cifar10, cifar100, imdb, speech-commands, speech-commands-full, fashion-mnist) and list the cache',
    );

  datasets
    .command('get')
    .description(
      'download, verify (size, SHA-256) and extract datasets into <cache>/datasets/<name>/ (cache: MSAT_CACHE, else the platform cache folder); an interrupted download resumes',
    )
    .argument('<name...>', 'cifar10 | cifar100 | imdb | speech-commands | speech-commands-full | fashion-mnist (mnist comes with msat)')
    // For tests that serve archives they built: an explicit replacement of the published sizes and digests.
    .addOption(new Option('--checksums <file>', 'JSON { "<archive file>": { "size", "sha256" } } replacing the published values').hideHelp())
    .action(async (names: string[], flags: GetFlags) => {
      void globals;
      const { getDataset } = await import('../../data/index.js');
      const checksums = flags.checksums !== undefined ? await readChecksums(flags.checksums) : undefined;
      let progress: Progress | undefined;
      let current: string | undefined;
      const stop = (): void => {
        progress?.stop();
        progress = current = undefined;
      };
      try {
        for (const name of names) {
          const installed = await getDataset(name, {
            checksums,
            onProgress: (file, done, total) => {
              if (file !== current) {
                stop();
                progress = createProgress(file, 'MB');
                current = file;
              }
              progress!.update(Number((done / 1e6).toFixed(1)), Number((total / 1e6).toFixed(1)));
            },
            onNote: (message) => {
              stop();
              process.stderr.write(`${message}\n`);
            },
          });
          stop();
          const what = installed.downloaded ? 'installed in' : 'already in';
          process.stdout.write(`${installed.name}: ${what} ${installed.dir}; use it with --data ${installed.name}\n`);
        }
      } finally {
        stop();
      }
    });

  datasets
    .command('list')
    .description('the datasets --data knows by name: present or not, folder and size')
    .option('--json', 'print one JSON array instead of the table')
    .action(async (flags: { json?: boolean }) => {
      const { listDatasets, msatCacheDir } = await import('../../data/index.js');
      const list = await listDatasets();
      if (flags.json) {
        process.stdout.write(JSON.stringify(list) + '\n');
        return;
      }
      const rows = [
        ['name', 'status', 'size', 'splits', 'folder'],
        ...list.map((d) => [
          d.name,
          d.present ? 'present' : d.partialBytes > 0 ? `partial (${mb(d.partialBytes)})` : 'missing',
          d.present ? mb(d.bytes) : `${mb(d.bytes)} download`,
          d.splits,
          d.dir,
        ]),
      ];
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
      lines.push('', `cache: ${msatCacheDir()} (set MSAT_CACHE to move it); get a dataset with: msat datasets get <name>`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
