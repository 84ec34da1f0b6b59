/** `msat report <results-dir>`: the charts (SVG, PNG) and the self-contained HTML report of an experiment. */
import type { Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';
import { parsePositiveInt } from '../parse.js';

interface ReportFlags {
  readonly pngScale: number;
}

export function registerReport(program: Command, globals: () => GlobalOptions): void {
  program
    .command('report')
    .description('render the charts (figures/*.svg, *.png) and report.html of a results folder written by `msat experiment`')
    .argument('<results-dir>', 'folder holding results.json; the figures and report.html are written there')
    .option('--png-scale <n>', 'pixels per SVG pixel of the PNG figures', parsePositiveInt, 2)
    .action(async (dir: string, flags: ReportFlags) => {
      void globals;
      const { readResults, renderReport } = await import('../../report/index.js');
      const results = await readResults(dir);
      const report = await renderReport(results, dir, { pngScale: flags.pngScale });
      const charts = report.figures.filter((f) => f.endsWith('.svg')).length;
      const lines = [
        `wrote ${report.html}`,
        `      ${charts} charts as SVG and PNG in ${dir.replace(/\/+$/, '')}/figures`,
        ...report.notes.map((n) => `note: ${n}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
