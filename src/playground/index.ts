/**
 * Public API of the `playground` layer: `msat playground`'s static page, where exported SNNs run step by step
 * in the browser (onnxruntime-web in a Web Worker) beside their ANN. The page's own code is in `page/` (browser
 * only, bundled by esbuild when the site is built).
 */
export { buildPlaygroundSite, type BuildPlaygroundOptions, type PlaygroundSite } from './build-site.js';
export { serveSite, type ServedSite } from './serve-site.js';
export type { PlaygroundSnnSource } from './site-snn.js';
export type { PlaygroundManifest, ManifestSnn, ManifestSample } from './page/manifest.js';
