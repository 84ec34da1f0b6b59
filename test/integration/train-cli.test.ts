// `msat train` end to end through its commander command (registered on a bare program, as src/cli/main.ts does):
// a short MNIST run writes a model whose metadata `msat eval` reads, a checkpoint, and a JSON report on stdout;
// bad flags are usage errors (CommanderError, which main.ts turns into exit code 2) with a one-line message.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerTrain } from '../../src/cli/commands/train.js';
import { loadNetwork } from '../../src/model/index.js';
import { ROOT } from '../cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'msat-train-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The same error handling as src/cli/main.ts, around `registerTrain` alone. */
const HARNESS = `
import { Command, CommanderError } from 'commander';
import { registerTrain } from ${JSON.stringify(join(ROOT, 'src/cli/commands/train.ts'))};
const program = new Command('msat').exitOverride();
registerTrain(program, () => ({ threads: 2, debug: false }));
try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); }
catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else { process.stderr.write('msat: ' + (e.code ?? 'internal error') + ': ' + e.message + '\\n'); process.exitCode = 1; }
}`;

function train(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HARNESS, 'train', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('msat train --arch mnist-cnn --data mnist ... --out --checkpoint-dir --json', async () => {
  const out = join(dir, 'm.onnx');
  const ckpt = join(dir, 'ckpt');
  const r = train([
    '--arch',
    'mnist-cnn',
    '--data',
    'mnist',
    '--epochs',
    '1',
    '--batch',
    '20',
    '--lr',
    '0.05',
    '--limit',
    '600',
    '--val-limit',
    '200',
    '--seed',
    '3',
    '--nesterov',
    '--weight-decay',
    '1e-4',
    '--out',
    out,
    '--checkpoint-dir',
    ckpt,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { accuracy: number; epochs: number; model: string; config: { optimizer: object; seed: number } };
  assert.equal(report.epochs, 1);
  assert.equal(report.model, out);
  assert.deepEqual(report.config.optimizer, { kind: 'sgd', nesterov: true, weightDecay: 1e-4 });
  assert.equal(report.config.seed, 3);
  assert.ok(report.accuracy > 0.5, `accuracy ${report.accuracy} (chance is 0.1)`);
  assert.match(r.stderr, /^epoch 1: loss [0-9.]+, train acc/m);
  assert.ok(existsSync(join(ckpt, 'checkpoint.json')) && existsSync(join(ckpt, 'checkpoint.bin')));
  const network = await loadNetwork(out);
  assert.equal(network.metadata['msat.arch'], 'mnist-cnn');
  assert.deepEqual(JSON.parse(network.metadata['msat.mean']), [0.1307]);
  assert.equal(Number(network.metadata['msat.accuracy']), report.accuracy);
});

test('msat train --swa-start: the model written is the average, and the summary says so', () => {
  const r = train([
    '--arch',
    'mnist-cnn',
    '--data',
    'mnist',
    '--epochs',
    '2',
    '--batch',
    '20',
    '--lr',
    '0.02',
    '--schedule',
    'constant',
    '--limit',
    '200',
    '--val-limit',
    '100',
    '--swa-start',
    '1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^accuracy +[0-9.]+ % \(validation, the mean of the last 2 epochs' weights; the last epoch's: [0-9.]+ %\)$/m);
  const bad = train(['--arch', 'mnist-cnn', '--data', 'mnist', '--epochs', '2', '--limit', '100', '--swa-start', '3']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /TRAIN_OPTIONS: the averaging start epoch must be an integer in 1\.\.2 \(the epochs\), got 3/);
});

test('usage errors are CommanderErrors with exit code 2 and a one-line message (in process)', async () => {
  const usage = async (args: string[]): Promise<{ exitCode: number; message: string }> => {
    let err = '';
    const program = new Command('msat').exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => undefined });
    registerTrain(program, () => ({ threads: 1, workers: 1, debug: false }));
    try {
      await program.parseAsync(['train', ...args], { from: 'user' });
    } catch (e) {
      assert.ok(e instanceof CommanderError, String(e));
      return { exitCode: e.exitCode, message: err };
    }
    throw new Error(`train ${args.join(' ')} was accepted`);
  };
  const missing = await usage(['--data', 'mnist']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.message, /--arch and --data are required/);
  const unknown = await usage(['--arch', 'lenet', '--data', 'mnist']);
  assert.match(unknown.message, /expected one of mnist-cnn, vgg16/);
  assert.match((await usage(['--arch', 'vgg16', '--data', 'mnist', '--lr', '-1'])).message, /expected a number > 0|expected a number >= 0/);
  assert.match((await usage(['--arch', 'vgg16', '--data', 'mnist', '--optimizer', 'rmsprop'])).message, /expected one of sgd, adamw, adam/);
  assert.match(
    (await usage(['--arch', 'vgg16', '--data', 'mnist', '--no-augment', '--cutout', '8'])).message,
    /--cutout is part of the augmentation/,
  );
  assert.match((await usage(['--arch', 'vgg16', '--data', 'mnist', '--cutout', '2.5'])).message, /--cutout/);
  assert.match((await usage(['--arch', 'vgg16', '--data', 'mnist', '--swa-start', '0'])).message, /--swa-start/);
});

test('the model path is checked before training: not a folder that cannot be written, not the model it starts from', () => {
  const blocked = join(dir, 'a-file');
  writeFileSync(blocked, 'x');
  const r = train(['--arch', 'mnist-cnn', '--data', 'mnist', '--epochs', '1', '--out', join(blocked, 'm.onnx')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /OUTPUT_PATH: .*a-file: cannot write there/);
  const model = join(ROOT, 'models', 'mnist-cnn.onnx');
  const over = train(['--from', model, '--epochs', '1', '--out', model]);
  assert.equal(over.status, 1);
  assert.match(over.stderr, /OUTPUT_PATH: the model .* would overwrite the starting model or checkpoint/);
});
