#!/usr/bin/env node
/**
 * The `msat` command. Each subcommand lives in `commands/<name>.ts`, turns its flags into the library's
 * options and calls one library function; heavy modules are imported inside the action so `--help` is fast.
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { isMsatError } from '../core/index.js';
import { registerChooseExit } from './commands/choose-exit.js';
import { registerConvert } from './commands/convert.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerExperiment } from './commands/experiment.js';
import { registerExport } from './commands/export.js';
import { registerInspect } from './commands/inspect.js';
import { registerMerge } from './commands/merge.js';
import { registerPlayground } from './commands/playground.js';
import { registerPredict } from './commands/predict.js';
import { registerReport } from './commands/report.js';
import { registerSimulate } from './commands/simulate.js';
import { registerTrain } from './commands/train.js';
import { registerTune } from './commands/tune.js';
import { parseExecutionProviders, type GlobalOptions } from './global-options.js';
import { parseIntInRange } from './parse.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('msat')
  .description('ANN-to-SNN conversion with multi-stage adaptive thresholds (MSAT), on onnxruntime')
  .version(pkg.version)
  .option(
    '--threads <n>',
    'onnxruntime threads per operator (0 = all cores)',
    parseIntInRange(0, 4 * availableParallelism(), 'at most 4 per core'),
    0,
  )
  .option(
    '--workers <n>',
    'simulation worker threads, each simulating whole batches (tune: whole trials) on its share of the --threads (0 = one per core, at most 4)',
    parseIntInRange(0, availableParallelism(), 'at most one per core'),
    0,
  )
  .option(
    '--ep <list>',
    'onnxruntime execution providers in order of preference, e.g. cuda,cpu (default cpu; one this onnxruntime-node lacks is an error naming the ones it has)',
    parseExecutionProviders,
  )
  .option('--debug', 'print stack traces of errors')
  // subcommands inherit both when they are added below
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError()
  .exitOverride();

const globals = (): GlobalOptions => {
  const o = program.opts<{ threads: number; workers: number; ep?: string[]; debug?: boolean }>();
  // Samples in parallel beat threads inside each operator for the simulator's many small elementwise ops
  // (bench/RESULTS.md); beyond 4 workers the memory of the per-worker sessions outweighs it.
  const workers = o.workers || Math.min(4, availableParallelism());
  return { threads: o.threads, workers, executionProviders: o.ep ?? ['cpu'], debug: o.debug ?? false };
};

registerInspect(program, globals);
registerPredict(program, globals);
registerEval(program, globals);
registerConvert(program, globals);
registerExport(program, globals);
registerDemo(program, globals);
registerSimulate(program, globals);
registerTrain(program, globals);
registerTune(program, globals);
registerChooseExit(program, globals);
registerReport(program, globals);
registerExperiment(program, globals);
registerMerge(program, globals);
registerDatasets(program, globals);
registerPlayground(program, globals);

/** `--T` (the paper's letter, the flag's first name) and `--t` are spellings of `-T, --steps`. */
function stepsAlias(arg: string): string {
  const m = /^--[Tt](=.*)?$/.exec(arg);
  return m ? `--steps${m[1] ?? ''}` : arg;
}

try {
  await program.parseAsync(process.argv.map(stepsAlias));
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version "errors" exit 0; everything commander rejects is a usage error.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (isMsatError(e)) {
    process.stderr.write(`msat: ${e.code}: ${e.message}\n`);
    if (globals().debug) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`msat: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (globals().debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
}
