// --ep through the real CLI and the API: a provider this onnxruntime-node lacks is one `msat: EXECUTION_PROVIDER:`
// line (exit code 1) before any calibration or simulation, and `--ep cpu` gives the same report as no --ep, on the
// main thread and in worker threads (which take the runner's providers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { convert, isMsatError, listExecutionProviders } from '../../src/index.js';
import { FIXTURES, runCli } from '../cli-helpers.js';

const MODEL = join(FIXTURES, 'quickstart-mnist.onnx');
const SIMULATE = ['simulate', '--model', MODEL, '--data', 'mnist', '--limit', '64', '--calib-samples', '32', '-T', '8', '--json'];
const cudaInstalled = listExecutionProviders().some((p) => p.name === 'cuda' && p.installed);

/** The report without its wall time. */
function report(stdout: string): Record<string, unknown> {
  const { seconds, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(typeof seconds, 'number');
  return rest;
}

test(
  '--ep cuda without the CUDA provider library fails with one EXECUTION_PROVIDER line naming the installed ones',
  { skip: cudaInstalled && 'CUDA is installed here' },
  () => {
    for (const ep of ['cuda', 'cuda,cpu']) {
      const r = runCli(['--ep', ep, ...SIMULATE]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      // nothing before the error: no calibration or simulation progress, no onnxruntime log lines
      assert.match(
        r.stderr,
        /^msat: EXECUTION_PROVIDER: execution provider cuda is not installed in onnxruntime-node [\d.]+ on \w+-\w+: .*\(installed here: cpu[^)]*\)\n$/,
      );
    }
  },
);

test('--ep with a name onnxruntime does not know fails the same way, and a misspelt list is a usage error', () => {
  const unknown = runCli(['--ep', 'cpu,gpu', 'eval', '--model', MODEL, '--data', 'mnist', '--limit', '10']);
  assert.equal(unknown.status, 1, unknown.stderr);
  assert.match(unknown.stderr, /^msat: EXECUTION_PROVIDER: execution provider "gpu" is not in onnxruntime-node .*\(installed here: cpu[^)]*\)\n$/);
  const usage = runCli(['--ep', 'cpu,,cuda', 'eval', '--model', MODEL, '--data', 'mnist', '--limit', '10']);
  assert.equal(usage.status, 2, usage.stderr);
  assert.match(usage.stderr.split('\n')[0], /^error: option '--ep <list>' argument 'cpu,,cuda' is invalid/);
});

test('--ep cpu gives the same simulation report as the default, with one worker and with two', () => {
  const base = runCli([...SIMULATE]);
  assert.equal(base.status, 0, base.stderr);
  const expected = report(base.stdout);
  for (const workers of ['1', '2']) {
    const r = runCli(['--ep', 'cpu', '--workers', workers, ...SIMULATE]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(report(r.stdout), expected, `--workers ${workers}`);
  }
  // a sanity check that the comparison can fail: another T is another report
  const other = runCli(['--ep', 'cpu', ...SIMULATE.slice(0, -3), '-T', '6', '--json']);
  assert.notDeepEqual(report(other.stdout), expected);
});

test('an installed provider that cannot start here (WebGPU without an adapter) is EXECUTION_PROVIDER; one that starts agrees with cpu', () => {
  const r = runCli(['--ep', 'webgpu', ...SIMULATE]);
  if (r.status === 0) {
    // a machine with a WebGPU adapter: the same report up to float rounding (a spike at the threshold may flip)
    const cpu = report(runCli([...SIMULATE]).stdout);
    const gpu = report(r.stdout);
    const [a, b] = [cpu.accuracyPerStep, gpu.accuracyPerStep] as number[][];
    assert.equal(a.length, b.length);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 2 / 64 + 1e-9, `step ${i + 1}: cpu ${v}, webgpu ${b[i]}`));
    return;
  }
  assert.equal(r.status, 1, r.stderr);
  // onnxruntime's own graphics libraries may warn first; msat's line is the last one
  const last = r.stderr.trimEnd().split('\n').at(-1)!;
  assert.match(last, /^msat: EXECUTION_PROVIDER: .*onnxruntime could not start execution providers webgpu \(the CPU alone loads the model\): /);
});

test('convert({ executionProviders }) refuses a provider it lacks before reading the data, and takes cpu', async () => {
  const data = '/nonexistent/data/folder'; // not reached: the runner is made first
  await assert.rejects(
    convert(MODEL, { calibration: { data }, executionProviders: ['no-such-provider'] }),
    (e: unknown) => isMsatError(e) && e.code === 'EXECUTION_PROVIDER' && /"no-such-provider"/.test(e.message),
  );
  const snn = await convert(MODEL, { calibration: { data: 'mnist', samples: 16 }, executionProviders: ['cpu'], threads: 1 });
  try {
    const r = await snn.simulate('mnist', { T: 4, limit: 16 });
    assert.equal(r.accuracyPerStep.length, 4);
  } finally {
    await snn.dispose();
  }
});
