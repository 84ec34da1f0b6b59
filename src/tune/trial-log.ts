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
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as v from 'valibot';
import {
  finite,
  integer,
  MsatError,
  openRecord,
  parseJsonFile,
  pathTo,
  readRegularFile,
  record,
  sha256Hex,
  text,
  type Infer,
} from '../core/index.js';
import { talliesSchema } from './objectives.js';

export const TRIAL_LOG_FORMAT = 'msat-tune-log';
export const TRIAL_LOG_VERSION = 1;

/** The first line: what run the log belongs to. */
const headerSchema = record({
  type: v.literal('header', 'expected "header" (the first line describes the run)'),
  format: v.literal(TRIAL_LOG_FORMAT, `expected "${TRIAL_LOG_FORMAT}"`),
  version: integer(1),
  configHash: sha256Hex(),
  config: openRecord({}),
});
type Header = Infer<typeof headerSchema>;

/** Every further line: `candidate`'s tallies on tuning samples [from, to). */
const trialSchema = v.pipe(
  record({
    type: v.literal('trial', 'expected "trial"'),
    candidate: text(),
    from: integer(0),
    to: integer(1),
    tallies: talliesSchema,
    /** Wall time of the evaluation (informative only; not compared on resume). */
    seconds: v.pipe(finite('a finite number ≥ 0'), v.minValue(0, 'expected a finite number ≥ 0')),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    const r = dataset.typed ? dataset.value : undefined;
    if (r && r.tallies.samples !== r.to - r.from) {
      addIssue({ message: `expected ${r.to - r.from} (to − from), got ${r.tallies.samples}`, path: pathTo(r, 'tallies', 'samples') });
    }
  }),
);

/** One finished evaluation, as `append` takes it and `resumed` gives it back. */
export type TrialRecord = Omit<Infer<typeof trialSchema>, 'type'>;

/** SHA-256 of the canonical JSON of `config` (keys sorted). */
export function hashConfig(config: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
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
   * or starts a new one (`restart` discards an existing log). `steps(candidate)` is the T a candidate's
   * records were simulated for (the length of `tallies.correct`), when the caller knows it.
   * @throws MsatError `TUNE_RESUME_MISMATCH` when the log was written by a run with a different config;
   *   `TUNE_LOG` naming the file and line when a line is damaged or contradicts another.
   */
  static async open(
    path: string,
    config: Readonly<Record<string, unknown>>,
    options: { restart?: boolean; steps?: (candidate: string) => number } = {},
  ): Promise<TrialLog> {
    const configHash = hashConfig(config);
    let text: string | undefined;
    if (options.restart) await rm(path, { force: true });
    else
      text = await readRegularFile(path, 'utf8').catch((e: NodeJS.ErrnoException) =>
        e.code === 'ENOENT' ? undefined : Promise.reject(logError(path, 'cannot read the trial log', e)),
      );
    let records: TrialRecord[] = [];
    let keep = '';
    if (text !== undefined && text.trim() !== '') {
      // Each line is written whole with its newline, so only a last line without one can be torn: it is dropped.
      const lines = text.split('\n').slice(0, -1);
      const header = readHeader(path, lines[0]);
      if (header.version !== TRIAL_LOG_VERSION || header.configHash !== configHash) {
        const diff = Object.keys({ ...header.config, ...config })
          .filter((k) => canonicalJson(header.config[k]) !== canonicalJson(config[k]))
          .map((k) => `${k}: ${JSON.stringify(header.config[k])} → ${JSON.stringify(config[k])}`);
        throw new MsatError(
          'TUNE_RESUME_MISMATCH',
          `${path} was written by a tune run with a different configuration (${diff.join('; ') || `log version ${header.version}`}); ` +
            'rerun with the same options to resume, or pass --restart (or another --log) to start over',
        );
      }
      records = readTrials(path, lines, options.steps);
      keep = lines.map((l) => `${l}\n`).join('');
    }
    await mkdir(dirname(path), { recursive: true });
    // Rewrite only what was valid (drops a torn tail) through a temporary file renamed over the log, so a crash
    // here never loses the log; then append from there.
    const tmp = `${path}.${randomUUID()}.tmp`;
    try {
      const out = await open(tmp, 'w');
      try {
        await out.write(
          keep ||
            `${JSON.stringify({ type: 'header', format: TRIAL_LOG_FORMAT, version: TRIAL_LOG_VERSION, configHash, config } satisfies Header)}\n`,
        );
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

function readHeader(path: string, line: string | undefined): Header {
  try {
    return parseJsonFile({ file: path, code: 'TUNE_LOG', at: 'line 1' }, line ?? '', headerSchema);
  } catch (e) {
    const why = e instanceof MsatError ? e.message.slice(path.length + 2) : String(e);
    throw new MsatError('TUNE_LOG', `${path} is not an msat tune trial log (${why}); choose another trial log, or restart to overwrite it`, {
      cause: e,
    });
  }
}

/** The records of lines[1..]; a line repeated with the same tallies counts once, with others it is an error. */
function readTrials(path: string, lines: readonly string[], steps?: (candidate: string) => number): TrialRecord[] {
  const records: TrialRecord[] = [];
  const seen = new Map<string, { line: number; tallies: string }>();
  for (let i = 1; i < lines.length; i++) {
    const at = `line ${i + 1}`;
    const { type: _, ...r } = parseJsonFile({ file: path, code: 'TUNE_LOG', at }, lines[i], trialSchema);
    const T = steps?.(r.candidate);
    if (T !== undefined && r.tallies.correct.length !== T) {
      throw new MsatError(
        'TUNE_LOG',
        `${path}: ${at}: tallies.correct: expected ${T} entries, one per step (T = ${T}), got ${r.tallies.correct.length}`,
      );
    }
    const key = `${r.candidate}:${r.from}:${r.to}`;
    const tallies = canonicalJson(r.tallies);
    const earlier = seen.get(key);
    if (earlier && earlier.tallies !== tallies) {
      throw new MsatError(
        'TUNE_LOG',
        `${path}: ${at}: trial ${r.candidate} on samples [${r.from}, ${r.to}) is also on line ${earlier.line} with other tallies; the log is damaged (restart to start over)`,
      );
    }
    if (earlier) continue;
    seen.set(key, { line: i + 1, tallies });
    records.push(r);
  }
  return records;
}

function logError(path: string, what: string, cause: unknown): MsatError {
  return new MsatError('TUNE_LOG', `${path}: ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
