/** `msat report <results-dir...>`: the charts (SVG, PNG) and the self-contained HTML report of one or more runs. */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';
import { parseIntInRange } from '../parse.js';

interface ReportFlags {
  readonly pngScale: number;
  readonly out?: string;
}

export function registerReport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('report')
    .description(
      'render the charts (figures/*.svg, *.png) and report.html of results folders written by `msat experiment`, `demo` or `simulate --out`',
    )
    .argument('<results-dir...>', 'folders holding results.json; one: the figures and report.html are written there; several: compared in --out')
    .option('--out <dir>', 'with several folders: where their combined results.json, figures and report.html go')
    .option('--png-scale <n>', 'pixels per SVG pixel of the PNG figures (1 to 8)', parseIntInRange(1, 8, 'a PNG grows with its square'), 2)
    .action(async (dirs: string[], flags: ReportFlags, cmd: Command) => {
      void globals;
      if (dirs.length > 1 && flags.out === undefined) cmd.error('error: several results folders are compared in a new one: give --out <dir>');
      const [{ readResults, renderReport }, experiment, core] = await Promise.all([
        import('../../report/index.js'),
        import('../../experiment/index.js'),
        import('../../core/index.js'),
      ]);
      const out = flags.out ?? dirs[0];
      let results;
      if (dirs.length === 1 && out === dirs[0]) {
        results = await readResults(dirs[0]);
      } else {
        core.assertDistinctPaths(
          { results: join(out, 'results.json') },
          Object.fromEntries(dirs.map((d, i) => [`results ${i + 1}`, join(d, 'results.json')])),
        );
        results = experiment.combineResults(await Promise.all(dirs.map(async (dir) => ({ dir, results: await readResults(dir) }))));
        core.assertWritableFolder(out);
        await experiment.writeResults(join(out, 'results.json'), results);
      }
      const report = await renderReport(results, out, { pngScale: flags.pngScale });
      const charts = report.figures.filter((f) => f.endsWith('.svg')).length;
      const lines = [
        `wrote ${report.html}`,
        `      ${charts} charts as SVG and PNG in ${out.replace(/\/+$/, '')}/figures`,
        ...report.notes.map((n) => `note: ${n}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
