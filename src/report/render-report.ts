/**
 * `msat report`: every chart of an experiment as SVG and PNG under `<dir>/figures/`, and `<dir>/report.html`
 * with the charts inline. All files are written atomically.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MsatError, writeFileAtomic } from '../core/index.js';
import type { ExperimentResults } from '../experiment/index.js';
import { reportHtml, type HtmlFigure } from './html.js';
import { renderPng } from './render-png.js';
import { reportFigureSpecs } from './report-figures.js';
import { renderSvg } from './render-svg.js';

/** Options of `renderReport`; every field is optional. */
export interface RenderReportOptions {
  /** Pixels per SVG pixel of the PNGs. Default 2. */
  readonly pngScale?: number;
  /**
   * Most neurons drawn per trace chart (a VGG-16 with 3 traced neurons per layer has 45). Default 12: every
   * spiking layer's first traced neuron, then the second, …; evenly spaced layers when there are more layers.
   */
  readonly maxTracePanels?: number;
  /** Milliseconds one PNG may take to render before it counts as failed (`renderPng`'s `timeoutMs`). Default 60 000. */
  readonly pngTimeoutMs?: number;
  /** Receives chart warnings from Vega-Lite / Vega. Default: ignored. */
  readonly onWarning?: (message: string) => void;
}

/** What `renderReport` wrote. */
export interface RenderedReport {
  /** Path of `report.html`. */
  readonly html: string;
  /** Paths of every figure file written (SVG and PNG of each chart). */
  readonly figures: string[];
  /** Charts left out and why (for example: no traces recorded). */
  readonly notes: string[];
}

/**
 * Renders every chart of `results` to `<outDir>/figures/<name>.svg` and `.png` and writes `<outDir>/report.html`
 * (self-contained: inline CSS and SVG). Returns the paths written.
 */
export async function renderReport(results: ExperimentResults, outDir: string, options: RenderReportOptions = {}): Promise<RenderedReport> {
  const { figures: specs, notes } = reportFigureSpecs(results, options);
  const figuresDir = join(outDir, 'figures');
  await guardWrite(figuresDir, () => mkdir(figuresDir, { recursive: true }));
  const written: string[] = [];
  const htmlFigures: HtmlFigure[] = [];
  // A chart that cannot be drawn does not stop the others: every figure that renders is written, report.html
  // says which one failed, and then the first failure is thrown, so the command still exits 1 with one line.
  const failures: MsatError[] = [];
  for (const f of specs) {
    const svgPath = join(figuresDir, `${f.name}.svg`);
    const pngPath = join(figuresDir, `${f.name}.png`);
    let svg: string;
    try {
      svg = await renderSvg(f.spec, { idPrefix: f.name, onWarning: options.onWarning });
    } catch (e) {
      if (!(e instanceof MsatError)) throw e;
      failures.push(new MsatError(e.code, `${svgPath}: ${e.message}`, { cause: e }));
      notes.push(`Chart "${f.title}" (${f.name}) could not be drawn: ${e.message}`);
      continue;
    }
    await guardWrite(svgPath, () => writeFileAtomic(svgPath, svg));
    written.push(svgPath);
    htmlFigures.push({ name: f.name, title: f.title, caption: f.caption, svg, placement: f.placement });
    let png: Buffer;
    try {
      png = await renderPng(svg, { scale: options.pngScale, name: pngPath, timeoutMs: options.pngTimeoutMs });
    } catch (e) {
      if (!(e instanceof MsatError)) throw e;
      failures.push(e);
      notes.push(`Chart "${f.title}" (${f.name}): its PNG could not be rendered (${e.message}); the SVG is shown.`);
      continue;
    }
    await guardWrite(pngPath, () => writeFileAtomic(pngPath, png));
    written.push(pngPath);
  }
  const html = join(outDir, 'report.html');
  await guardWrite(html, () => writeFileAtomic(html, reportHtml(results, { figures: htmlFigures, notes, figuresDir: 'figures' })));
  if (failures.length > 0) {
    const [first] = failures;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more chart${failures.length > 2 ? 's' : ''})` : '';
    throw new MsatError(first.code, `${first.message}${more}; ${html} was written without it`, { cause: first });
  }
  return { html, figures: written, notes };
}

async function guardWrite(path: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MsatError('REPORT_WRITE', `${path}: cannot write (${code ?? (e instanceof Error ? e.message : String(e))})`, { cause: e });
  }
}
