/**
 * SVG -> PNG with resvg (a Rust renderer shipped as a prebuilt npm binary; no browser, no canvas). resvg draws
 * text only with fonts it can find: it loads the system's fonts, and msat's charts ask for DejaVu Sans first
 * (Debian package `fonts-dejavu-core`, installed by `.ci/run`).
 */
import { renderAsync } from '@resvg/resvg-js';
import { MsatError } from '../core/index.js';
import { CHART_FONT } from './specs/theme.js';

/** Options of `renderPng`; every field is optional. */
export interface RenderPngOptions {
  /** Pixels per SVG pixel. Default 2, sharp on high-density screens and in print. */
  readonly scale?: number;
  /** Extra font files to load besides the system's (for machines without DejaVu Sans). */
  readonly fontFiles?: readonly string[];
}

export const DEFAULT_RENDER_PNG_OPTIONS = Object.freeze({ scale: 2, fontFiles: [] as readonly string[] });

/** The PNG bytes of `svg`. */
export async function renderPng(svg: string, options: RenderPngOptions = {}): Promise<Buffer> {
  const scale = options.scale ?? DEFAULT_RENDER_PNG_OPTIONS.scale;
  const fontFiles = options.fontFiles ?? DEFAULT_RENDER_PNG_OPTIONS.fontFiles;
  if (!(scale > 0)) throw new MsatError('REPORT_OPTIONS', `PNG scale must be > 0, got ${scale}`);
  const family = CHART_FONT.split(',')[0].trim();
  try {
    const image = await renderAsync(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: { loadSystemFonts: true, fontFiles: [...fontFiles], defaultFontFamily: family, sansSerifFamily: family },
      logLevel: 'off',
    });
    return image.asPng();
  } catch (e) {
    throw new MsatError('REPORT_PNG', `could not render SVG to PNG: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
