/**
 * `msat playground`'s static site: index.html, the bundled page and worker, onnxruntime-web's `.wasm` (served
 * from the site, never a CDN), every SNN exported as a stateful ONNX model with its ANN, and `playground.json`
 * (the manifest: models, settings, provenance, embedded test samples). Any static web host serves it.
 */
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { MSAT_VERSION, MsatError, writeFileAtomic } from '../core/index.js';
import { bundlePage } from './bundle-page.js';
import type { PlaygroundManifest } from './page/manifest.js';
import { pageHtml } from './page-html.js';
import { pickSamples } from './pick-samples.js';
import { siteSnn, type PlaygroundSnnSource } from './site-snn.js';

/** Options of `buildPlaygroundSite`. */
export interface BuildPlaygroundOptions {
  readonly snns: readonly PlaygroundSnnSource[];
  /** The folder to write the site into (created; files of the same name are replaced). */
  readonly out: string;
  /** Test samples to embed. Default 10. */
  readonly samples?: number;
  /** Time steps the page runs by default. Default 32. */
  readonly steps?: number;
}

/** The written site. */
export interface PlaygroundSite {
  readonly dir: string;
  /** Bytes per part of the site: `html` (index.html, playground.json), `js`, `wasm`, `models`. */
  readonly bytes: Readonly<Record<'html' | 'js' | 'wasm' | 'models', number>>;
  readonly total: number;
  /** Things the page lacks, in words (no test samples because the dataset is not installed, …). */
  readonly notes: readonly string[];
}

/** onnxruntime-web's wasm binary that the bundled `onnxruntime-web/wasm` build loads. */
const ORT_WASM = 'ort-wasm-simd-threaded.wasm';

export async function buildPlaygroundSite(options: BuildPlaygroundOptions): Promise<PlaygroundSite> {
  if (options.snns.length === 0) throw new MsatError('PLAYGROUND_OPTIONS', 'give at least one SNN file (--snn)');
  const dir = options.out;
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'ort'), { recursive: true });
  const labels = options.snns.map((s) => basename(s.path).replace(/\.snn\.json$|\.json$/, ''));
  const snns = [];
  const anns = new Map<string, string>();
  for (const [i, source] of options.snns.entries()) {
    const label = labels.indexOf(labels[i]) === i && labels.lastIndexOf(labels[i]) === i ? labels[i] : source.path;
    snns.push(await siteSnn(source, `snn-${i}`, dir, label, anns));
  }
  const first = snns[0];
  for (const s of snns) {
    if (s.inputDims.join(',') !== first.inputDims.join(',') || s.entry.classes !== first.entry.classes)
      throw new MsatError(
        'PLAYGROUND_OPTIONS',
        `${s.entry.provenance[0]} takes ${s.inputDims.join('×')} inputs with ${s.entry.classes} classes, ${first.entry.provenance[0]} ${first.inputDims.join('×')} with ${first.entry.classes}: the page shows SNNs of one task side by side`,
      );
  }
  const mean = first.mean ?? first.metadata.mean ?? [0];
  const std = first.std ?? first.metadata.std ?? [1];
  const picked = await pickSamples(first.inputDims, options.samples ?? 10, { mean, std }, first.metadata.dataset);
  const classNames =
    first.metadata.classes ?? (picked.classNames.length ? picked.classNames : Array.from({ length: first.entry.classes }, (_, c) => String(c)));
  const manifest: PlaygroundManifest = {
    title: `msat playground: ${first.metadata.arch ?? labels[0]}`,
    inputDims: first.inputDims,
    classNames,
    mean,
    std,
    ...(picked.dataset ? { dataset: picked.dataset } : {}),
    samples: picked.samples,
    canDraw: first.inputDims.join(',') === '1,28,28',
    steps: options.steps ?? 32,
    snns: snns.map((s) => s.entry),
    msatVersion: MSAT_VERSION,
  };
  const page = await bundlePage();
  const html = pageHtml(manifest.title);
  const json = JSON.stringify(manifest);
  const wasm = await readFile(createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WASM}`));
  await Promise.all([
    writeFileAtomic(join(dir, 'index.html'), html),
    writeFileAtomic(join(dir, 'playground.json'), json),
    writeFileAtomic(join(dir, 'main.js'), page.main),
    writeFileAtomic(join(dir, 'worker.js'), page.worker),
    writeFileAtomic(join(dir, 'ort', ORT_WASM), wasm),
  ]);
  const bytes = {
    html: Buffer.byteLength(html) + Buffer.byteLength(json),
    js: Buffer.byteLength(page.main) + Buffer.byteLength(page.worker),
    wasm: wasm.length,
    models: snns.reduce((a, s) => a + s.entry.bytes, 0),
  };
  return { dir, bytes, total: bytes.html + bytes.js + bytes.wasm + bytes.models, notes: picked.note ? [picked.note] : [] };
}
