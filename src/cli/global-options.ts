import { InvalidArgumentError } from 'commander';

/** Flags every command accepts. */
export interface GlobalOptions {
  /** onnxruntime intra-op threads (0 = all cores). */
  readonly threads: number;
  /** Parallel simulation workers, each with single-threaded onnxruntime sessions (1 = simulate on the main thread). */
  readonly workers: number;
  /** onnxruntime execution providers in order of preference (`--ep cuda,cpu`). Default (absent) `['cpu']`. */
  readonly executionProviders?: readonly string[];
  /** Print stacks of errors. */
  readonly debug: boolean;
}

/** The options of a command's `Runner` (and of `convert`/`ConvertedSnn.load`, which make one) from the global flags. */
export function runnerOptions(globals: GlobalOptions): { threads: number; executionProviders: readonly string[] } {
  return { threads: globals.threads, executionProviders: globals.executionProviders ?? ['cpu'] };
}

/**
 * `--ep cuda,cpu` → `['cuda', 'cpu']`: names as onnxruntime spells them (lower case; `CUDA` is read as `cuda`), in
 * order of preference, none blank or repeated. Only the spelling is checked here (a usage error); whether this
 * onnxruntime-node has each provider is checked when the command makes its runner (`EXECUTION_PROVIDER`), so
 * `--help` does not load onnxruntime.
 */
export function parseExecutionProviders(value: string): string[] {
  const names = value.split(',').map((n) => n.trim().toLowerCase());
  const expected = 'execution providers as a comma-separated list, e.g. cuda,cpu';
  if (names.some((n) => !/^[a-z][a-z0-9_-]*$/.test(n))) throw new InvalidArgumentError(`expected ${expected}, got ${JSON.stringify(value)}`);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new InvalidArgumentError(`expected ${expected}, got ${repeated} twice in ${JSON.stringify(value)}`);
  return names;
}
