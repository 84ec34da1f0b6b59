/**
 * Execution providers (onnxruntime's backends: cpu, cuda, …): which ones this install of onnxruntime-node can
 * run, and the check that refuses a requested one it cannot, before any session is made. Checking up front
 * matters twice: a long run should not fail at its first GPU session minutes in, and onnxruntime itself
 * prints native log lines for a provider library it cannot load, and silently drops an unknown name.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { MsatError } from '../core/index.js';

/** A provider onnxruntime-node was built with, and whether its library is on this machine. */
export interface ExecutionProviderInfo {
  readonly name: string;
  /** In the npm package itself (cpu, webgpu on Linux), or a separate library (cuda, tensorrt). */
  readonly bundled: boolean;
  /** Bundled, or its separate library is installed beside onnxruntime's. */
  readonly installed: boolean;
}

/**
 * The providers this onnxruntime-node knows (`listSupportedBackends`), with whether each is installed. CUDA
 * and TensorRT are not in the npm package: onnxruntime-node's install script downloads their libraries
 * (`libonnxruntime_providers_<name>.so`) into the folder of its native binding, unless the install skipped
 * it (`ONNXRUNTIME_NODE_INSTALL=skip`), so their presence there is what says whether they can load.
 * Installed does not promise a device: a session on CUDA without a GPU, or WebGPU without an adapter, still
 * fails when it is made (the runner reports that as `EXECUTION_PROVIDER` too).
 */
export function listExecutionProviders(): ExecutionProviderInfo[] {
  const folder = bindingFolder();
  return ort.listSupportedBackends().map(({ name, bundled }) => ({
    name,
    bundled,
    installed: bundled || folder === undefined || existsSync(join(folder, providerLibrary(name))),
  }));
}

/** The names of the installed providers, in onnxruntime's order. */
export function availableExecutionProviders(): string[] {
  return listExecutionProviders()
    .filter((p) => p.installed)
    .map((p) => p.name);
}

/** Refuses (`EXECUTION_PROVIDER`) a requested provider that is not installed here; see `checkExecutionProviders`. */
export function assertExecutionProviders(requested: readonly string[]): void {
  checkExecutionProviders(
    requested,
    listExecutionProviders(),
    `onnxruntime-node ${ort.env.versions.node ?? ''} on ${process.platform}-${process.arch}`,
  );
}

/**
 * The check itself, over a given provider list (`where` names the install in the message): the list must be
 * non-empty, without repeats, and each name one of `known` that is installed. One line names the provider,
 * the installed ones, and, for a known one whose library is missing, how to get it.
 */
export function checkExecutionProviders(requested: readonly string[], known: readonly ExecutionProviderInfo[], where: string): void {
  const available = known.filter((p) => p.installed).map((p) => p.name);
  const listed = `installed here: ${available.join(', ') || 'none'}`;
  if (requested.length === 0) throw new MsatError('EXECUTION_PROVIDER', `no execution provider given (${listed})`);
  const seen = new Set<string>();
  for (const name of requested) {
    if (seen.has(name)) throw new MsatError('EXECUTION_PROVIDER', `execution provider ${name} is listed twice (${listed})`);
    seen.add(name);
    const info = known.find((p) => p.name === name);
    if (!info) throw new MsatError('EXECUTION_PROVIDER', `execution provider ${JSON.stringify(name)} is not in ${where} (${listed})`);
    if (!info.installed) {
      throw new MsatError(
        'EXECUTION_PROVIDER',
        `execution provider ${name} is not installed in ${where}: its library was not downloaded (on a machine with ` +
          `CUDA 12: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node) (${listed})`,
      );
    }
  }
}

/** The folder of onnxruntime-node's native binding, where it looks for provider libraries; undefined if not found. */
function bindingFolder(): string | undefined {
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    const folder = join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(folder) ? folder : undefined;
  } catch {
    return undefined;
  }
}

/** The file name of a separately installed provider's library on this platform. */
function providerLibrary(name: string): string {
  if (process.platform === 'win32') return `onnxruntime_providers_${name}.dll`;
  return `libonnxruntime_providers_${name}.${process.platform === 'darwin' ? 'dylib' : 'so'}`;
}
