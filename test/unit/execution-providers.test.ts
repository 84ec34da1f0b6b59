// --ep: the flag's spelling (a usage error), and the check of the named providers against what this
// onnxruntime-node has (`EXECUTION_PROVIDER`), over a given provider list and over the installed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseExecutionProviders, runnerOptions } from '../../src/cli/global-options.js';
import { isMsatError } from '../../src/core/index.js';
import { checkExecutionProviders, listExecutionProviders, Runner, type ExecutionProviderInfo } from '../../src/runtime/index.js';

const KNOWN: ExecutionProviderInfo[] = [
  { name: 'cpu', bundled: true, installed: true },
  { name: 'webgpu', bundled: true, installed: true },
  { name: 'cuda', bundled: false, installed: false },
  { name: 'tensorrt', bundled: false, installed: true },
];

const refusal = (message: RegExp) => (e: unknown) =>
  isMsatError(e) && e.code === 'EXECUTION_PROVIDER' && message.test(e.message) && !e.message.includes('\n');

test('--ep reads a comma list in order of preference, trimmed and in lower case', () => {
  assert.deepEqual(parseExecutionProviders('cpu'), ['cpu']);
  assert.deepEqual(parseExecutionProviders('cuda,cpu'), ['cuda', 'cpu']);
  assert.deepEqual(parseExecutionProviders(' CUDA , cpu'), ['cuda', 'cpu']);
  assert.deepEqual(parseExecutionProviders('tensorrt,cuda,cpu'), ['tensorrt', 'cuda', 'cpu']);
});

test('--ep refuses blanks, empty entries, odd characters and repeats with a usage error quoting the value', () => {
  for (const value of ['', ' ', ',', 'cuda,', ',cpu', 'cpu,,cuda', 'cu da', 'cuda;cpu', '1', 'cpu\ncuda', '"cpu"']) {
    assert.throws(
      () => parseExecutionProviders(value),
      (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(JSON.stringify(value)) && !e.message.includes('\n'),
      JSON.stringify(value),
    );
  }
  assert.throws(() => parseExecutionProviders('cuda,CUDA'), {
    message: 'expected execution providers as a comma-separated list, e.g. cuda,cpu, got cuda twice in "cuda,CUDA"',
  });
});

test('the runner options of a command carry --threads and --ep, cpu when --ep is absent', () => {
  assert.deepEqual(runnerOptions({ threads: 2, workers: 1, debug: false }), { threads: 2, executionProviders: ['cpu'] });
  assert.deepEqual(runnerOptions({ threads: 0, workers: 4, debug: false, executionProviders: ['cuda', 'cpu'] }), {
    threads: 0,
    executionProviders: ['cuda', 'cpu'],
  });
});

test('installed providers pass in any order; an unknown, missing, repeated or empty list is one EXECUTION_PROVIDER line', () => {
  checkExecutionProviders(['cpu'], KNOWN, 'ort');
  checkExecutionProviders(['tensorrt', 'webgpu', 'cpu'], KNOWN, 'ort');
  assert.throws(
    () => checkExecutionProviders(['cuda'], KNOWN, 'onnxruntime-node 1.30.0 on linux-x64'),
    refusal(/^execution provider cuda is not installed in onnxruntime-node 1\.30\.0 on linux-x64: .*\(installed here: cpu, webgpu, tensorrt\)$/),
  );
  assert.throws(
    () => checkExecutionProviders(['cpu', 'dml'], KNOWN, 'ort'),
    refusal(/^execution provider "dml" is not in ort \(installed here: cpu, webgpu, tensorrt\)$/),
  );
  assert.throws(() => checkExecutionProviders(['cpu', 'cpu'], KNOWN, 'ort'), refusal(/cpu is listed twice/));
  assert.throws(() => checkExecutionProviders([], KNOWN, 'ort'), refusal(/no execution provider given/));
});

test('this onnxruntime-node has the CPU provider, and a Runner refuses a name it does not know before any session', () => {
  const cpu = listExecutionProviders().find((p) => p.name === 'cpu');
  assert.deepEqual(cpu, { name: 'cpu', bundled: true, installed: true });
  assert.deepEqual(new Runner().options.executionProviders, ['cpu']);
  assert.deepEqual(new Runner({ executionProviders: ['cpu'] }).options.executionProviders, ['cpu']);
  assert.throws(
    () => new Runner({ executionProviders: ['no-such-provider'] }),
    refusal(/"no-such-provider" is not in onnxruntime-node .*installed here: cpu/),
  );
  assert.throws(() => new Runner({ executionProviders: [] }), refusal(/no execution provider given/));
});
