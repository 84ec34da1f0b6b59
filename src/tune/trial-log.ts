/**
 * The trial log that makes `msat tune` resumable: a JSON-lines file whose first line records the run's
 * configuration and every further line one finished evaluation (a candidate's tallies on a range of tuning
 * samples). Each line is written with one `write` and flushed to disk (`fsync`) before the search goes on, so
 * an interrupted run loses at most the evaluation in progress; a torn last line is dropped on reading.
 *
 * Resuming replays the same deterministic search: every evaluation already in the log is taken from it
 * instead of simulated, so a resumed run ends exactly where an uninterrupted one would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MsatError } from '../core/index.js';
import type { Tallies } from './objectives.js';

export const TRIAL_LOG_FORMAT = 'msat-tune-log';
export const TRIAL_LOG_VERSION = 1;

/** One finished evaluation: `candidate`'s tallies on tuning samples [from, to). */
export interface TrialRecord {
  readonly candidate: string;
  readonly from: number;
  readonly to: number;
  readonly tallies: Tallies;
  /** Wall time of the evaluation (informative only; not compared on resume). */
  readonly seconds: number;
}

interface Header {
  readonly type: 'header';
  readonly format: typeof TRIAL_LOG_FORMAT;
  readonly version: number;
  readonly configHash: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** SHA-256 of the canonical JSON of `config` (keys sorted). */
export function hashConfig(config: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** An open trial log: the records found when it was opened, and `append` for new ones. */
export class TrialLog {
  readonly path: string;
  /** Records read from an existing log (empty for a new one). */
  readonly resumed: readonly TrialRecord[];
  readonly #handle: FileHandle;

  private constructor(path: string, handle: FileHandle, resumed: TrialRecord[]) {
    this.path = path;
    this.#handle = handle;
    this.resumed = resumed;
  }

  /**
   * Opens `path` for the run described by `config`: continues an existing log written with the same config,
   * or starts a new one (`restart` discards an existing log).
   * @throws MsatError `TUNE_RESUME_MISMATCH` when the log was written by a run with a different config.
   */
  static async open(path: string, config: Readonly<Record<string, unknown>>, options: { restart?: boolean } = {}): Promise<TrialLog> {
    const configHash = hashConfig(config);
    let text: string | undefined;
    if (options.restart) await rm(path, { force: true });
    else text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(logError(path, 'cannot read the trial log', e))));
    const records: TrialRecord[] = [];
    let keep = '';
    if (text !== undefined && text.trim() !== '') {
      const lines = text.split('\n');
      const header = parseLine(lines[0]) as Header | undefined;
      if (!header || header.type !== 'header' || header.format !== TRIAL_LOG_FORMAT) {
        throw new MsatError('TUNE_LOG', `${path} is not an msat tune trial log; choose another trial log, or restart to overwrite it`);
      }
      if (header.version !== TRIAL_LOG_VERSION || header.configHash !== configHash) {
        const diff = Object.keys({ ...header.config, ...config })
          .filter((k) => canonicalJson(header.config?.[k]) !== canonicalJson(config[k]))
          .map((k) => `${k}: ${JSON.stringify(header.config?.[k])} → ${JSON.stringify(config[k])}`);
        throw new MsatError(
          'TUNE_RESUME_MISMATCH',
          `${path} was written by a tune run with a different configuration (${diff.join('; ') || `log version ${header.version}`}); ` +
            'rerun with the same options to resume, or pass --restart (or another --log) to start over',
        );
      }
      keep = `${lines[0]}\n`;
      for (const line of lines.slice(1)) {
        const r = parseLine(line) as (TrialRecord & { type?: string }) | undefined;
        if (!r || r.type !== 'trial') break; // a torn last line from an interrupted write: dropped and rewritten
        records.push({ candidate: r.candidate, from: r.from, to: r.to, tallies: r.tallies, seconds: r.seconds });
        keep += `${line}\n`;
      }
    }
    await mkdir(dirname(path), { recursive: true });
    // Rewrite only what was valid (drops a torn tail) through a temporary file renamed over the log, so a crash
    // here never loses the log; then append from there.
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      const out = await open(tmp, 'w');
      try {
        await out.write(keep || `${JSON.stringify({ type: 'header', format: TRIAL_LOG_FORMAT, version: TRIAL_LOG_VERSION, configHash, config } satisfies Header)}\n`);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw logError(path, 'cannot write the trial log', e);
    }
    const handle = await open(path, 'a');
    return new TrialLog(path, handle, records);
  }

  /** Appends `record` and flushes it to disk. */
  async append(record: TrialRecord): Promise<void> {
    try {
      await this.#handle.write(`${JSON.stringify({ type: 'trial', ...record })}\n`);
      await this.#handle.sync();
    } catch (e) {
      throw logError(this.path, 'cannot append to the trial log', e);
    }
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

function parseLine(line: string | undefined): unknown {
  if (!line || line.trim() === '') return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function logError(path: string, what: string, cause: unknown): MsatError {
  return new MsatError('TUNE_LOG', `${path}: ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
