/**
 * msat as a dependency: `npm pack` the package, install the tarball into a temporary project (no access to
 * src/), and run the README's library example (examples/convert-mnist.mjs: convert, simulate, save, export the
 * shipped MNIST CNN through `import … from 'msat'`) and compile a TypeScript consumer (examples/typed-consumer.ts)
 * against the package's own .d.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli-helpers.js';

function run(command: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('the packed tarball installs into an empty project; the JavaScript example converts, simulates and exports, and the TypeScript consumer compiles', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'msat-package-'));
  run('npm', ['pack', '--pack-destination', tmp], ROOT);
  const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'))!;
  const app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module', private: true, dependencies: { msat: `file:../${tarball}` } }));
  // as README says: onnxruntime-node's CPU binaries ship in the package, its own variable skips the CUDA download
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev'], app, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
  assert.ok(!existsSync(join(app, 'node_modules', 'msat', 'src')), 'the package ships dist/, not src/');

  copyFileSync(join(ROOT, 'examples', 'convert-mnist.mjs'), join(app, 'convert-mnist.mjs'));
  const lines = run(process.execPath, ['convert-mnist.mjs'], app).trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]);
  assert.equal(result.samples, 200);
  assert.ok(result.ann > 0.97 && result.constAtT32 > 0.97 && result.msatAtT32 > 0.9, JSON.stringify(result));
  assert.ok(existsSync(join(app, 'mnist-cnn.snn.onnx')) && existsSync(join(app, 'mnist-cnn.snn.json')));

  copyFileSync(join(ROOT, 'examples', 'typed-consumer.ts'), join(app, 'typed-consumer.ts'));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        lib: ['ES2022', 'ESNext.Disposable'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['typed-consumer.ts'],
    }),
  );
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
});
