/** Output paths are checked before work starts: never over an input (links resolved), always in a writable folder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { assertDistinctPaths, assertWritableFolder } from '../../src/core/index.js';

test('an output that is an input (as given, relative, or through a link) or another output is OUTPUT_PATH naming both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-paths-'));
  const model = join(dir, 'm.onnx');
  writeFileSync(model, 'x');
  symlinkSync(model, join(dir, 'link.onnx'));
  assert.throws(() => assertDistinctPaths({ out: model }, { model }), /OUTPUT_PATH|the out .*m\.onnx would overwrite the model/);
  assert.throws(() => assertDistinctPaths({ out: relative(process.cwd(), model) }, { model }), /would overwrite the model/);
  assert.throws(() => assertDistinctPaths({ out: join(dir, 'link.onnx') }, { model }), /would overwrite the model/);
  assert.throws(
    () => assertDistinctPaths({ report: join(dir, 'r.json'), log: join(dir, 'r.json') }, { model }),
    /the log .* would overwrite the report/,
  );
  assertDistinctPaths({ out: join(dir, 'snn.json'), report: join(dir, 'r.json') }, { model, data: undefined });
});

test('a folder that cannot be made is OUTPUT_PATH naming it; a writable one is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msat-paths-'));
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  assert.throws(
    () => assertWritableFolder(join(file, 'sub')),
    (e: Error & { code?: string }) => e.code === 'OUTPUT_PATH' && e.message.includes('plain-file/sub'),
  );
  assertWritableFolder(join(dir, 'a', 'b'));
});
