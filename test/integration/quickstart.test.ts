/**
 * README's "Convert your own PyTorch model", followed literally: its shell lines run in an empty folder holding
 * `my-model.onnx`, a small MNIST CNN trained and exported by PyTorch (test/fixtures/quickstart-mnist.onnx), and
 * must end in a report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT } from '../cli-helpers.js';

/** The shell block after README's quickstart marker, one command per line. */
function quickstartCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- quickstart');
  assert.ok(marker >= 0, 'README has the quickstart marker');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker));
  assert.ok(block, 'a sh block follows the marker');
  return block[1].split('\n').filter((line) => line.trim() !== '');
}

test("README's quickstart turns a PyTorch export into a report", () => {
  const commands = quickstartCommands();
  assert.ok(commands.length >= 2 && commands.every((c) => c.startsWith('npx msat ')), commands.join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'msat-quickstart-'));
  copyFileSync(join(FIXTURES, 'quickstart-mnist.onnx'), join(dir, 'my-model.onnx'));
  const outputs: string[] = [];
  for (const command of commands) {
    const args = command.replace(/^npx msat /, '').split(/\s+/);
    // `npx msat` from a checkout, without a build: the CLI's source through tsx, in the user's folder
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.status, 0, `${command}\n${r.stderr}`);
    outputs.push(r.stdout);
  }
  assert.match(outputs[0], /ANN accuracy\s+9\d\.\d\d %/, 'the PyTorch model is a working MNIST classifier');
  assert.match(outputs[0], /steps to ANN − 1 %/);
  assert.ok(existsSync(join(dir, 'results', 'my-model', 'report.html')), 'the report is written');
  assert.ok(existsSync(join(dir, 'results', 'my-model', 'figures', 'accuracy.svg')));
});
