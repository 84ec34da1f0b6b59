/**
 * Checks on output paths, made before any work starts: an output must never overwrite one of the inputs (a model
 * replaced by JSON is lost), and the folder it goes to must be writable (found out after hours of training, the
 * result would be lost).
 */
import { accessSync, constants, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MsatError } from './errors.js';

/** The path as the file system sees it: links resolved where the file, or its folder, exists. */
function canonical(path: string): string {
  const full = resolve(path);
  if (existsSync(full)) return realpathSync(full);
  const dir = dirname(full);
  return existsSync(dir) ? join(realpathSync(dir), basename(full)) : full;
}

/**
 * Refuses outputs that are the same file as an input or as another output. `outputs` and `inputs` name each path
 * by what it is (`{ out: 'snn.json' }`, `{ model: 'm.onnx' }`), so the message can say which clash.
 * @throws MsatError `OUTPUT_PATH`
 */
export function assertDistinctPaths(
  outputs: Readonly<Record<string, string | undefined>>,
  inputs: Readonly<Record<string, string | undefined>>,
): void {
  const seen = new Map<string, string>();
  for (const [name, path] of Object.entries(inputs)) if (path !== undefined) seen.set(canonical(path), `the ${name} ${path}`);
  for (const [name, path] of Object.entries(outputs)) {
    if (path === undefined) continue;
    const key = canonical(path);
    const clash = seen.get(key);
    if (clash) throw new MsatError('OUTPUT_PATH', `the ${name} ${path} would overwrite ${clash}; choose another path`);
    seen.set(key, `the ${name} ${path}`);
  }
}

/**
 * Creates `folder` if needed and checks that files can be written in it.
 * @throws MsatError `OUTPUT_PATH` naming the folder
 */
export function assertWritableFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (e) {
    throw new MsatError('OUTPUT_PATH', `${folder}: cannot write there (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}
