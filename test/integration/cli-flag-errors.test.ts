// The worst flag values of the flag fuzzing (test/unit/fuzz-flags.test.ts), through the real CLI: a value the parser
// refuses is a usage error (exit code 2, commander's one `error:` line naming the flag and the value, then the
// command's help), a value the library refuses is one `msat: CODE:` line (exit code 1); never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, ROOT } from '../cli-helpers.js';

const MODEL = join(FIXTURES, 'quickstart-mnist.onnx');

/** Runs the CLI without waiting for the others (each run is mostly start-up). */
function run(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const usage: [flag: string, value: string, args: string[]][] = [
  ['--limit', '1e300', ['eval', '--model', MODEL, '--data', 'mnist', '--limit', '1e300']],
  ['--steps', '1e20', ['simulate', '--model', MODEL, '--data', 'mnist', '-T', '1e20']],
  ['--hp', '1,,1,5,1,1', ['simulate', '--model', MODEL, '--data', 'mnist', '-T', '4', '--hp', '1,,1,5,1,1']],
  ['--seed', '', ['simulate', '--model', MODEL, '--data', 'mnist', '-T', '4', '--seed', '']],
  ['--threads', 'NaN', ['--threads', 'NaN', 'eval', '--model', MODEL, '--data', 'mnist']],
];

test('flag values the parsers refuse exit with code 2 and one error line naming the flag and the value, no stack trace', async () => {
  const results = await Promise.all(usage.map(([, , args]) => run(args)));
  results.forEach((r, i) => {
    const [flag, value] = usage[i];
    assert.equal(r.status, 2, `${flag} ${value}: ${r.stderr}`);
    const [first, ...rest] = r.stderr.split('\n');
    assert.ok(first.startsWith('error: option ') && first.includes(flag) && first.includes(`got ${JSON.stringify(value)}`), first);
    assert.ok(!rest.some((l) => /^\s+at .+:\d+:\d+\)?$/.test(l)), r.stderr);
    assert.equal(r.stdout, '');
  });
});

test('flag values the library refuses exit with code 1 and one msat: line', async () => {
  const results = await Promise.all([
    run(['eval', '--model', MODEL, '--data', 'mnist', '--limit', '10', '--std', '0']),
    run(['eval', '--model', MODEL, '--data', 'mnist', '--limit', '10', '--mean', '0.1,0.2']),
  ]);
  for (const r of results) {
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^msat: DATA_OPTIONS: (std must be one or more positive numbers, got \[0\]|mean has 2 values but .* has 1 channel)/);
  }
});
