/**
 * `msat playground`: a static page where SNN files run step by step in the browser (onnxruntime-web) beside
 * their ANN. Serves it on 127.0.0.1 until interrupted, or with `--out` only writes the site for any web host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';
import { parseIntInRange, parsePositiveInt } from '../parse.js';

interface PlaygroundFlags {
  readonly snn: string[];
  readonly port: number;
  readonly out?: string;
  readonly samples: number;
  readonly steps: number;
}

export function registerPlayground(program: Command, globals: () => GlobalOptions): void {
  program
    .command('playground')
    .description(
      'build a web page where SNN files run step by step in the browser beside their ANN, and serve it on 127.0.0.1 (or write it with --out)',
    )
    .requiredOption(
      '--snn <file>',
      'SNN file (from `msat convert --out` or `msat tune --out`); repeat for several, shown side by side',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', parseIntInRange(0, 65535, 'a TCP port'), 8080)
    .option('--out <dir>', 'write the static site into this folder and exit, without serving it')
    .option('--samples <n>', 'test samples to embed', parsePositiveInt, 10)
    .option('-T, --steps <n>', 'time steps the page runs by default (also --T)', parsePositiveInt, 32)
    .action(async (flags: PlaygroundFlags) => {
      const [{ ConvertedSnn }, { buildPlaygroundSite, serveSite }] = await Promise.all([
        import('../../index.js'),
        import('../../playground/index.js'),
      ]);
      const out = flags.out ?? mkdtempSync(join(tmpdir(), 'msat-playground-'));
      const loaded = [];
      try {
        for (const path of flags.snn) loaded.push({ path, snn: await ConvertedSnn.load(path, { threads: globals().threads }) });
        const site = await buildPlaygroundSite({
          snns: loaded.map(({ path, snn }) => ({ path, export: (file: string, format: 'onnx' | 'onnx-ann') => snn.export(file, { format }) })),
          out,
          samples: flags.samples,
          steps: flags.steps,
        });
        for (const note of site.notes) process.stderr.write(`msat playground: ${note}\n`);
        process.stdout.write(
          `wrote ${out} (${(site.total / 1e6).toFixed(1)} MB: wasm ${(site.bytes.wasm / 1e6).toFixed(1)} MB, models ${(site.bytes.models / 1e6).toFixed(1)} MB)\n`,
        );
      } finally {
        await Promise.all(loaded.map(({ snn }) => snn.dispose()));
      }
      if (flags.out) return;
      const served = await serveSite(out, flags.port);
      process.stdout.write(`msat playground: ${served.url}  (Ctrl-C stops it)\n`);
      const stop = () => {
        void served.close().then(() => rmSync(out, { recursive: true, force: true }));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
