/**
 * Bundles the page's code (`page/main.ts` and `page/worker.ts`, with onnxruntime-web) with esbuild when the
 * site is built. From the source tree it bundles the TypeScript; from the built package (`dist/`) the same
 * files as compiled by `npm run build` (`tsc -p src/playground/page/tsconfig.json`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MsatError } from '../core/index.js';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/** The bundled page: `main.js` and `worker.js` (ES modules). */
export interface PageBundle {
  readonly main: string;
  readonly worker: string;
}

export async function bundlePage(): Promise<PageBundle> {
  const ext = existsSync(join(PAGE_DIR, 'main.ts')) ? 'ts' : 'js';
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { main: join(PAGE_DIR, `main.${ext}`), worker: join(PAGE_DIR, `worker.${ext}`) },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: '/',
    logLevel: 'silent',
    plugins: [
      {
        // The exit rule's module (src/snn/exit/exit-rule.ts) takes `MsatError` from core's index, which also
        // holds Node-only helpers (files, hashes); the page needs the error class alone.
        name: 'core-errors-only',
        setup(b) {
          b.onResolve({ filter: /\/core\/index\.js$/ }, (args) => {
            const errors = join(args.resolveDir, dirname(args.path), `errors.${ext}`);
            return existsSync(errors) ? { path: errors } : undefined;
          });
        },
      },
    ],
  }).catch((e: unknown) => {
    throw new MsatError('PLAYGROUND_BUILD', `bundling the page failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  const text = (name: string) => result.outputFiles.find((f) => f.path.endsWith(`/${name}.js`))!.text;
  return { main: text('main'), worker: text('worker') };
}
