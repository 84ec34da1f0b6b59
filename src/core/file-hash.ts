/** SHA-256 of a file's bytes, streamed: models, SNN files and dataset archives are hashed the same way. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { MsatError, type MsatErrorCode } from './errors.js';

/**
 * The lower-case hex SHA-256 of the file at `path`.
 * @throws MsatError `code` naming the file when it cannot be read.
 */
export async function sha256File(path: string, code: MsatErrorCode): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    throw new MsatError(code, `${path}: cannot read the file to hash it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return hash.digest('hex');
}
