/**
 * Reading a whole input file, refusing anything that is not a regular file: reading a FIFO without a writer
 * blocks forever, and a device (`/dev/zero`) never ends.
 */
import { readFile, stat } from 'node:fs/promises';

/** Reads `path` whole; a FIFO, socket, device or folder is an error whose message says so. */
export async function readRegularFile(path: string): Promise<Buffer>;
export async function readRegularFile(path: string, encoding: 'utf8'): Promise<string>;
export async function readRegularFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const s = await stat(path);
  if (!s.isFile()) {
    const kind = s.isDirectory() ? 'a folder' : s.isFIFO() ? 'a FIFO' : s.isSocket() ? 'a socket' : 'a device';
    throw new Error(`not a regular file but ${kind}`);
  }
  return encoding ? readFile(path, encoding) : readFile(path);
}
