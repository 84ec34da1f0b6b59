/**
 * Input files are read only when they are regular files: a FIFO without a writer would block the read forever
 * and a device never ends, so both are refused with a message that says what the path is.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegularFile } from '../../src/core/index.js';
import { readOnnxModel } from '../../src/onnx/index.js';
import { readSnnFile } from '../../src/convert/index.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-regular-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a FIFO, a device and a folder are refused without reading; a regular file is read', async () => {
  const fifo = join(dir, 'model.onnx');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readRegularFile(fifo), /not a regular file but a FIFO/);
  await assert.rejects(readRegularFile('/dev/zero'), /not a regular file but a device/);
  await assert.rejects(readRegularFile(dir), /not a regular file but a folder/);
  writeFileSync(join(dir, 'a.txt'), 'text');
  assert.equal(await readRegularFile(join(dir, 'a.txt'), 'utf8'), 'text');
  // the readers name the file and keep their codes
  await assert.rejects(readOnnxModel(fifo), (e: Error & { code?: string }) => e.code === 'ONNX_NOT_FOUND' && e.message.startsWith(`${fifo}: `));
  await assert.rejects(readSnnFile('/dev/zero'), (e: Error & { code?: string }) => e.code === 'SNN_FILE' && /a device/.test(e.message));
});
