/**
 * Preloaded into an msat child process (`--import`) by the kill-and-resume tests, to kill it at exact points of
 * its file writes. Every `writeFile` and `rename` of `node:fs/promises` under the folder `MSAT_KILL_WATCH` is
 * announced on stderr as `kill-hook event N LABEL` (N counts from 1 in this process; LABEL names the operation
 * and the paths relative to that folder, random parts of temporary names as `*`). With `MSAT_KILL_AT=N:PHASE`
 * the process freezes at its N-th such operation, leaving the files as a SIGKILL at that instant would, and says
 * `kill-hook stopped N PHASE`; the parent then kills it:
 * - `mid`: a write has put the first half of its bytes in the file (a torn write);
 * - `after`: the write or rename is done and the code after it has not run.
 * Only the main thread is watched (msat's files are written there; simulation workers write none).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { relative, resolve, sep } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const watch = process.env.MSAT_KILL_WATCH;
if (isMainThread && watch) install(resolve(watch), process.env.MSAT_KILL_AT);

function install(root: string, at: string | undefined): void {
  const [stopAt, phase] = at ? [Number(at.split(':')[0]), at.split(':')[1]] : [0, ''];
  if (at && (!Number.isInteger(stopAt) || stopAt < 1 || (phase !== 'mid' && phase !== 'after')))
    throw new Error(`MSAT_KILL_AT=${at}: expected N:mid or N:after`);
  const inside = (p: unknown): p is string => typeof p === 'string' && resolve(p).startsWith(root + sep);
  const label = (p: string) => relative(root, resolve(p)).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '*');
  const say = (line: string) => fs.writeSync(2, `kill-hook ${line}\n`);
  const freeze = (n: number, how: string): never => {
    say(`stopped ${n} ${how}`);
    // Blocks this thread for good: nothing after the operation runs before the parent's SIGKILL arrives.
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  };
  let count = 0;
  const promises = fs.promises;
  const writeFile = promises.writeFile;
  const rename = promises.rename;
  promises.writeFile = (async (file: unknown, data: unknown, options?: unknown) => {
    if (!inside(file)) return writeFile(file as string, data as string, options as fs.WriteFileOptions);
    const n = ++count;
    say(`event ${n} write ${label(file)}`);
    if (n === stopAt && phase === 'mid') {
      const encoding = typeof options === 'string' ? options : ((options as { encoding?: BufferEncoding } | undefined)?.encoding ?? 'utf8');
      const bytes = typeof data === 'string' ? Buffer.from(data, encoding as BufferEncoding) : Buffer.from(data as Uint8Array);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
      freeze(n, phase);
    }
    await writeFile(file, data as string, options as fs.WriteFileOptions);
    if (n === stopAt) freeze(n, phase);
  }) as typeof promises.writeFile;
  promises.rename = (async (from: fs.PathLike, to: fs.PathLike) => {
    if (!inside(to)) return rename(from, to);
    const n = ++count;
    say(`event ${n} rename ${label(String(from))} -> ${label(to)}`);
    // A rename is atomic: it has happened or it has not, and "not yet" is the state after the event before.
    await rename(from, to);
    if (n === stopAt) freeze(n, 'after');
  }) as typeof promises.rename;
  // `import { writeFile } from 'node:fs/promises'` binds the ES module's export; this points it at the wrappers.
  syncBuiltinESMExports();
}
