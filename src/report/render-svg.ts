/**
 * Vega-Lite spec -> SVG text, in Node, without a browser or canvas: compile to Vega, run a headless View
 * (`renderer: 'none'`) and serialise its scenegraph. Without a canvas Vega estimates text widths, which errs on
 * the wide side, so labels never overlap, they only get a little more room than they need.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { MsatError } from '../core/index.js';

/** Options of `renderSvg`. */
export interface RenderSvgOptions {
  /**
   * Prefix for the ids inside the SVG (clip paths, gradients). Vega numbers them from 1 in every SVG, so two
   * SVGs inlined into one HTML page would point at each other's clip paths; a distinct prefix per figure
   * keeps them apart. Default: none (ids as Vega wrote them).
   */
  readonly idPrefix?: string;
  /** Receives Vega-Lite and Vega warnings (for example an encoding that was dropped). Default: ignored. */
  readonly onWarning?: (message: string) => void;
}

/** Renders `spec` to a standalone SVG document (with `width`, `height` and `viewBox`). */
export async function renderSvg(spec: TopLevelSpec, options: RenderSvgOptions = {}): Promise<string> {
  const warn = (...args: unknown[]) => options.onWarning?.(args.map(String).join(' '));
  const logger = loggerOf(warn);
  let view: vega.View | undefined;
  try {
    const compiled = compile(spec, { logger }).spec;
    // A loader that refuses everything: msat charts carry their data inline, and a report must never fetch.
    const loader = vega.loader();
    loader.load = async (uri: string) => {
      throw new MsatError('REPORT_SPEC', `chart tried to load "${uri}"; msat charts must carry their data inline`);
    };
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logger, logLevel: vega.Warn, loader });
    const svg = await view.toSVG();
    return options.idPrefix ? prefixSvgIds(svg, options.idPrefix) : svg;
  } catch (e) {
    if (e instanceof MsatError) throw e;
    throw new MsatError('REPORT_SPEC', `could not render chart: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    view?.finalize();
  }
}

/** Rewrites `id="x"`, `url(#x)` and `href="#x"` to use `prefix-x`. */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}

/** A Vega logger that routes warnings to `warn` and errors to an exception. */
function loggerOf(warn: (...args: unknown[]) => void): vega.LoggerInterface {
  let level = vega.Warn;
  const logger: vega.LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      throw new MsatError('REPORT_SPEC', `chart error: ${args.map(String).join(' ')}`);
    },
    warn(...args: readonly unknown[]) {
      if (level >= vega.Warn) warn(...args);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  } as vega.LoggerInterface;
  return logger;
}
