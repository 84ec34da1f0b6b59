/**
 * SVG -> PNG with resvg (a Rust renderer shipped as a prebuilt npm binary; no browser, no canvas). resvg draws
 * text only with fonts it can find: it loads the system's fonts, and msat's charts ask for DejaVu Sans first
 * (Debian package `fonts-dejavu-core`, installed by `.ci/run`).
 *
 * resvg runs in a short-lived child process, never in msat's own. A Rust panic inside the native addon is not a
 * JavaScript exception: it aborts the whole process (resvg 0.x panics, for example, on a clipped or translucent
 * group whose content lies entirely more than a canvas away from the canvas, `geom.rs` `fit_to_rect`). In a child
 * the abort is only an exit status, which becomes a `REPORT_PNG` error, and whatever the caller has written so
 * far stays written. Before that, the SVG's numbers are checked: NaN or Infinity in a coordinate is a bug of the
 * chart, named as such.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { MsatError } from '../core/index.js';
import { CHART_FONT } from './specs/theme.js';

/** Options of `renderPng`; every field is optional. */
export interface RenderPngOptions {
  /** Pixels per SVG pixel. Default 2, sharp on high-density screens and in print. */
  readonly scale?: number;
  /** Extra font files to load besides the system's (for machines without DejaVu Sans). */
  readonly fontFiles?: readonly string[];
  /** Names the SVG in error messages (for example its file, `figures/sop.png`). Default: `SVG`. */
  readonly name?: string;
  /** Milliseconds the renderer may take before it is stopped and the call fails. Default 60 000. */
  readonly timeoutMs?: number;
}

export const DEFAULT_RENDER_PNG_OPTIONS = Object.freeze({ scale: 2, fontFiles: [] as readonly string[], timeoutMs: 60_000 });

/** Where the child process loads resvg from: the same package msat resolves. */
const RESVG_ENTRY = createRequire(import.meta.url).resolve('@resvg/resvg-js');

/**
 * The child: reads the SVG on stdin, writes the PNG on stdout; a JavaScript error (an SVG resvg refuses) is one
 * line on stderr and exit status 3. argv: resvg's entry file, the render options as JSON.
 */
const CHILD_SOURCE = `
const { renderAsync } = require(process.argv[1]);
const options = JSON.parse(process.argv[2]);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  renderAsync(Buffer.concat(chunks), options).then(
    (image) => process.stdout.write(image.asPng()),
    (e) => { process.stderr.write('MSAT_RESVG_ERROR ' + String(e && e.message ? e.message : e).replace(/\\s+/g, ' ')); process.exitCode = 3; },
  );
});
`;

/** The PNG bytes of `svg`. Throws `REPORT_PNG` (never aborts the process) when resvg cannot render it. */
export async function renderPng(svg: string, options: RenderPngOptions = {}): Promise<Buffer> {
  const scale = options.scale ?? DEFAULT_RENDER_PNG_OPTIONS.scale;
  const fontFiles = options.fontFiles ?? DEFAULT_RENDER_PNG_OPTIONS.fontFiles;
  const timeoutMs = options.timeoutMs ?? DEFAULT_RENDER_PNG_OPTIONS.timeoutMs;
  const name = options.name ?? 'SVG';
  if (!(scale > 0) || !Number.isFinite(scale)) throw new MsatError('REPORT_OPTIONS', `PNG scale must be a finite number > 0, got ${scale}`);
  const bad = invalidSvgNumber(svg);
  if (bad) throw new MsatError('REPORT_PNG', `${name}: cannot render to PNG: ${bad}`);
  const family = CHART_FONT.split(',')[0].trim();
  const resvgOptions = {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, fontFiles: [...fontFiles], defaultFontFamily: family, sansSerifFamily: family },
    logLevel: 'off',
  };
  const { status, signal, stdout, stderr, error } = await runChild([RESVG_ENTRY, JSON.stringify(resvgOptions)], svg, timeoutMs);
  if (error) throw new MsatError('REPORT_PNG', `${name}: could not start the PNG renderer (${error.message})`, { cause: error });
  if (status === 0 && stdout.subarray(0, 8).equals(PNG_SIGNATURE)) return stdout;
  throw new MsatError('REPORT_PNG', `${name}: could not render SVG to PNG: ${childFailure(status, signal, stderr, timeoutMs)}`);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface ChildOutcome {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly error?: Error;
}

function runChild(args: readonly string[], input: string, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    // RUST_BACKTRACE=0: a panic prints its one-line message, not a backtrace we would have to cut.
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, RUST_BACKTRACE: '0' },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: Error | undefined;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      spawnError = e;
    });
    // A child that dies before reading all its input closes the pipe; the exit status tells what happened.
    child.stdin.on('error', () => {});
    child.on('close', (status, signal) =>
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(spawnError ? { error: spawnError } : {}),
      }),
    );
    child.stdin.end(input);
  });
}

/** One line on why the child failed: resvg's error, the Rust panic's message, or the exit status. */
function childFailure(status: number | null, signal: NodeJS.Signals | null, stderr: string, timeoutMs: number): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const refused = lines.find((l) => l.startsWith('MSAT_RESVG_ERROR '));
  if (refused) return refused.slice('MSAT_RESVG_ERROR '.length);
  const panicAt = lines.findIndex((l) => /panicked at/.test(l));
  if (panicAt >= 0) {
    const where = /panicked at (?:.*\/)?([^/]+\.rs:\d+)/.exec(lines[panicAt])?.[1] ?? 'resvg';
    const what = lines[panicAt + 1] ?? '';
    return `resvg crashed (Rust panic at ${where}${what ? `: ${what}` : ''}); the chart has geometry resvg cannot handle`;
  }
  if (signal === 'SIGKILL') return `the renderer took longer than ${timeoutMs / 1000} s and was stopped`;
  if (signal) return `the renderer was killed by ${signal}`;
  if (status === 0) return 'the renderer returned no PNG';
  return `the renderer exited with status ${status}${lines.length > 0 ? ` (${lines[lines.length - 1]})` : ''}`;
}

/**
 * The first NaN or infinite number in `svg`'s attribute values (coordinates, sizes, path data, transforms),
 * described, or undefined when every number is finite. Text content is not looked at: a label may say "NaN".
 */
export function invalidSvgNumber(svg: string): string | undefined {
  for (const m of svg.matchAll(/<([A-Za-z][\w:-]*)((?:\s+[\w:-]+\s*=\s*"[^"]*")*)\s*\/?>/g)) {
    for (const a of m[2].matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) {
      const [, attr, value] = a;
      if (!NUMERIC_ATTRIBUTES.has(attr)) continue;
      if (/NaN|Infinity/.test(value)) {
        return `<${m[1]}> ${attr}="${value.length > 60 ? value.slice(0, 60) + '…' : value}" has a number that is not finite`;
      }
    }
  }
  return undefined;
}

/** Attributes whose values are numbers, lengths, lists of them, path data or transforms. */
const NUMERIC_ATTRIBUTES = new Set([
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'dx',
  'dy',
  'width',
  'height',
  'd',
  'points',
  'transform',
  'viewBox',
  'stroke-width',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-miterlimit',
  'opacity',
  'fill-opacity',
  'stroke-opacity',
  'font-size',
  'offset',
  'rotate',
]);
