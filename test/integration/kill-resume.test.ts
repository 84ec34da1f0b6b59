/**
 * `msat train` and `msat experiment` killed with SIGKILL at many points and resumed end with the same files as a
 * run that was never interrupted: the model and checkpoint byte for byte, the results apart from their clocks.
 *
 * Each command first runs once uninterrupted, with `test/kill-hook.ts` preloaded to log its file writes and
 * renames (the "events" of the run, numbered in order). Then the same command runs in the same folder again and
 * is killed at a list of points drawn from a fixed seed, each point either
 * - an event and a phase: the child freezes mid-write (half the bytes in the file) or right after the write or
 *   rename, and is SIGKILLed there — so kills land inside every step of the checkpoint's and the results'
 *   commits, in epochs / converters the seed picks; or
 * - a delay after an event (or after the start): the child runs on and is SIGKILLed wherever it is then —
 *   start-up, training steps, validation, calibration, simulation.
 * After every kill the command is started again as a user would (`train --resume` once a checkpoint exists, else
 * the first command; `experiment` unchanged, which resumes from its folder) and killed at the next point; the
 * last one runs to the end. Between kills, whatever outputs exist must be whole: a kill never leaves a torn file
 * under an output's name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mulberry32 } from '../../src/core/index.js';
import { parseResults, type ExperimentResults } from '../../src/experiment/index.js';
import { ROOT } from '../cli-helpers.js';

const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const HOOK = join(ROOT, 'test', 'kill-hook.ts');
const SEED = 20_250_611;

/** Where the child is killed: at event `event` (1-based, of the uninterrupted run) in a phase, or `ms` after it (0: after the start). */
type KillPoint = { readonly event: number; readonly phase: 'mid' | 'after' } | { readonly event: number; readonly ms: number };

interface Outcome {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Announced file events, `write PATH` / `rename FROM -> TO`. */
  readonly events: string[];
  /** stderr without the hook's lines. */
  readonly stderr: string;
}

const nameOf = (p: KillPoint) => ('ms' in p ? `${p.ms} ms after ${p.event === 0 ? 'the start' : `event ${p.event}`}` : `event ${p.event} ${p.phase}`);

/** Runs the msat CLI under the hook in `dir`; with `kill` (its event counted in this process), SIGKILLs it there. */
function runCli(args: readonly string[], dir: string, kill?: KillPoint): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, MSAT_KILL_WATCH: dir };
  delete env.MSAT_KILL_AT;
  if (kill && 'phase' in kill) env.MSAT_KILL_AT = `${kill.event}:${kill.phase}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', HOOK, MAIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const events: string[] = [];
  let stderr = '';
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const killLater = (ms: number) => (timer = setTimeout(() => child.kill('SIGKILL'), ms));
  if (kill && 'ms' in kill && kill.event === 0) killLater(kill.ms);
  // a child that hangs fails the test instead of stalling it
  let hung = false;
  const guard = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, 120_000);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const m = /^kill-hook (event|stopped) (\d+) ?(.*)$/.exec(line);
      if (!m) stderr += `${line}\n`;
      else if (m[1] === 'stopped') child.kill('SIGKILL');
      else {
        events.push(m[3]);
        if (kill && 'ms' in kill && kill.event === Number(m[2])) killLater(kill.ms);
      }
    }
  });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (hung) fail(new Error(`msat ${args.join(' ')} still ran after 120 s\n${stderr}`));
      else done({ status, signal, events, stderr: stderr + pending });
    });
  });
}

interface Chain {
  /** The file events of the uninterrupted run. */
  readonly events: readonly string[];
  /** Events of the uninterrupted run that come before the first one a run started now makes (read from the folder). */
  readonly eventsDone: () => number;
  /** The command a user runs now. */
  readonly command: () => readonly string[];
  /** Checks the outputs between kills. */
  readonly whole: () => void;
}

/** Kills the command at each point in turn, restarting it after each kill, then lets it finish; returns what happened. */
async function killAndResume(
  dir: string,
  points: readonly KillPoint[],
  chain: Chain,
): Promise<{ landed: string[]; skipped: string[]; runs: number }> {
  const landed: string[] = [];
  const skipped: string[] = [];
  let runs = 0;
  for (const point of points) {
    // the same point counted from this run's first event; one an earlier delayed kill ran past is skipped
    const local = point.event === 0 ? 0 : point.event - chain.eventsDone();
    if (local < 1 && point.event !== 0) {
      skipped.push(nameOf(point));
      continue;
    }
    const r = await runCli(chain.command(), dir, { ...point, event: local });
    runs++;
    if (r.signal !== 'SIGKILL') {
      // only a delay can outlast the run; an event point that is not reached is a changed sequence of writes
      assert.ok('ms' in point, `${nameOf(point)}: the run ended (${r.status}) before it\n${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      skipped.push(nameOf(point));
      break;
    }
    if (local > 0) assert.equal(r.events[local - 1], chain.events[point.event - 1], `${nameOf(point)} counted from the wrong event`);
    landed.push(nameOf(point));
    chain.whole();
  }
  const last = await runCli(chain.command(), dir);
  runs++;
  assert.equal(last.status, 0, `the run resumed after ${landed.join(', ')} failed:\n${last.stderr}`);
  return { landed, skipped, runs };
}

/** An integer in [lo, hi] from the seeded stream. */
const draw = (rng: Mulberry32, lo: number, hi: number) => lo + rng.nextInt(hi - lo + 1);

/** The points in the order a run meets them (earlier event first; at one event: mid-write, after, then a delay). */
function inOrder(points: KillPoint[]): KillPoint[] {
  const rank = (p: KillPoint) => p.event * 1e6 + ('ms' in p ? 2e5 + p.ms : p.phase === 'mid' ? 0 : 1e5);
  return [...new Map(points.map((p) => [rank(p), p])).values()].sort((a, b) => rank(a) - rank(b));
}

/** `value` with the keys of `keys` dropped at every depth. */
function without(value: unknown, keys: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => without(v, keys));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !keys.has(k))
      .map(([k, v]) => [k, without(v, keys)]),
  );
}

const visible = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.'));
/** Temporary files of writes that a kill cut short (hidden, random names; never read). */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.'));

test(
  'msat train killed at any point, checkpoint writes included, resumes to the same model and checkpoint bytes',
  { timeout: 300_000 },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'msat-kill-train-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const EPOCHS = 3;
    const run = join(root, 'run');
    const model = join(run, 'm.onnx');
    const ckpt = join(run, 'ckpt');
    const tail = ['--out', model, '--checkpoint-dir', ckpt, '--json'];
    const first = ['train', '--arch', 'mnist-cnn', '--data', 'mnist', '--epochs', String(EPOCHS), '--batch', '20', '--lr', '0.05'];
    first.push('--limit', '100', '--val-limit', '50', '--seed', '3', ...tail);
    const resume = ['train', '--resume', ckpt, ...tail];

    const started = performance.now();
    const whole = await runCli(first, run);
    const uninterrupted = (performance.now() - started) / 1000;
    assert.equal(whole.status, 0, whole.stderr);
    // Per epoch the checkpoint's commit: both files to temporary names, the header renamed into place, then the
    // binary. Then the model, written to a temporary name and renamed.
    const save = ['write ckpt/checkpoint.bin.tmp', 'write ckpt/checkpoint.json.tmp'];
    save.push('rename ckpt/checkpoint.json.tmp -> ckpt/checkpoint.json', 'rename ckpt/checkpoint.bin.tmp -> ckpt/checkpoint.bin');
    assert.deepEqual(whole.events, [...Array.from({ length: EPOCHS }, () => save).flat(), 'write .m.onnx.*.tmp', 'rename .m.onnx.*.tmp -> m.onnx']);
    const reference = join(root, 'reference');
    renameSync(run, reference);
    const refModel = readFileSync(join(reference, 'm.onnx'));

    const at = (epoch: number, step: number) => 4 * (epoch - 1) + step; // step 1..4 of the save after `epoch`
    const modelWrite = 4 * EPOCHS + 1;
    const rng = new Mulberry32(SEED);
    const points = inOrder([
      { event: 0, ms: draw(rng, 200, 1500) },
      // the first header committed, its binary still under the temporary name (no binary at all yet); then,
      // resumed, killed half way through writing the next binary to that same temporary name
      { event: at(1, 3), phase: 'after' },
      { event: at(2, 1), phase: 'mid' },
      { event: at(draw(rng, 2, EPOCHS), 2), phase: rng.nextInt(2) === 0 ? 'mid' : 'after' },
      // a later header committed, beside the binary of the save before
      { event: at(draw(rng, 2, EPOCHS), 3), phase: 'after' },
      // a save done; killed in the next epoch's training or validation
      { event: at(draw(rng, 1, EPOCHS - 1), 4), ms: draw(rng, 0, 150) },
      { event: modelWrite, phase: 'mid' },
      { event: modelWrite + 1, phase: 'after' },
    ]);

    const header = (): { epoch: number; dataSha256: string } | undefined =>
      existsSync(join(ckpt, 'checkpoint.json')) ? JSON.parse(readFileSync(join(ckpt, 'checkpoint.json'), 'utf8')) : undefined;
    const sha256 = (file: string) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null);
    /** Saves done, less the rename with which a resumed run first finishes a save that was killed between its renames. */
    const eventsDone = () => {
      const h = header();
      if (!h) return 0;
      return 4 * h.epoch - (sha256(join(ckpt, 'checkpoint.bin')) !== h.dataSha256 ? 1 : 0);
    };
    const started2 = performance.now();
    const outcome = await killAndResume(run, points, {
      events: whole.events,
      eventsDone,
      command: () => (header() ? resume : first),
      whole: () => {
        if (existsSync(model)) assert.ok(readFileSync(model).equals(refModel), 'a model file is only ever the whole final model');
      },
    });
    t.diagnostic(`uninterrupted ${uninterrupted.toFixed(1)} s; ${outcome.runs} runs, ${((performance.now() - started2) / 1000).toFixed(1)} s`);
    t.diagnostic(`killed at: ${outcome.landed.join('; ')}${outcome.skipped.length ? `; passed by: ${outcome.skipped.join('; ')}` : ''}`);
    t.diagnostic(`temporary files left by kills: ${leftovers(run).join(', ') || 'none'}`);
    assert.ok(outcome.landed.length >= points.length - 1, `only ${outcome.landed.length} of ${points.length} kills landed`);

    assert.ok(readFileSync(model).equals(refModel), 'the model differs from the uninterrupted run');
    assert.deepEqual(visible(ckpt), ['checkpoint.bin', 'checkpoint.json'], 'no pending temporary files are left');
    assert.ok(
      readFileSync(join(ckpt, 'checkpoint.bin')).equals(readFileSync(join(reference, 'ckpt', 'checkpoint.bin'))),
      'the checkpoint tensors differ',
    );
    // the header's history records how fast each epoch ran
    const clocks = new Set(['seconds', 'stepsPerSecond', 'samplesPerSecond']);
    const withoutClocks = (dir: string) => without(JSON.parse(readFileSync(join(dir, 'ckpt', 'checkpoint.json'), 'utf8')), clocks);
    assert.deepEqual(withoutClocks(run), withoutClocks(reference));
  },
);

test('msat experiment killed at any point resumes to the same results, apart from their clocks', { timeout: 300_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'msat-kill-experiment-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const run = join(root, 'run');
  const converters = ['const-1', 'msat'];
  // one simulation thread: on a few cores the workers' start-up costs more than 20 samples of T = 16
  const command = '--workers 1 experiment mnist-cnn --T 16 --every 500 --calib-samples 50'.split(' ');
  command.push('--converters', converters.join(','), '--out', run);

  const started = performance.now();
  const whole = await runCli(command, run);
  const uninterrupted = (performance.now() - started) / 1000;
  assert.equal(whole.status, 0, whole.stderr);
  // The thresholds, the results after each converter and once more when finished, the table: each written to a
  // temporary name and renamed.
  const atomic = (name: string) => [`write .${name}.*.tmp`, `rename .${name}.*.tmp -> ${name}`];
  const resultsWrites = converters.length + 1;
  assert.deepEqual(whole.events, [
    ...atomic('snn.json'),
    ...Array.from({ length: resultsWrites }, () => atomic('results.json')).flat(),
    ...atomic('table.md'),
  ]);
  const reference = join(root, 'reference');
  renameSync(run, reference);
  const results = (dir: string) => parseResults(readFileSync(join(dir, 'results.json'), 'utf8'), join(dir, 'results.json'));
  const refResults = results(reference);
  const refTable = readFileSync(join(reference, 'table.md'));
  // Clocks: when it started and finished, seconds computed (summed over resumed runs), each converter's seconds.
  // The git commit names the checkout the test runs in, which others may change meanwhile.
  const clocks = new Set(['startedAt', 'finishedAt', 'wallSeconds', 'seconds', 'gitCommit']);
  const snn = (dir: string) => without(JSON.parse(readFileSync(join(dir, 'snn.json'), 'utf8')), new Set(['createdAt']));

  const rng = new Mulberry32(SEED + 1);
  const resultsAt = (converter: number, step: 1 | 2) => 2 + 2 * (converter - 1) + step;
  const finish = resultsAt(resultsWrites, 1);
  const table = finish + 2;
  const points = inOrder([
    // during start-up: on a quiet machine the whole run takes under 3 s, and a later kill would pass the next points
    { event: 0, ms: draw(rng, 200, 900) },
    // the thresholds half written; then written, with no results yet: calibrated again
    { event: 1, phase: 'mid' },
    { event: 2, phase: 'after' },
    { event: resultsAt(draw(rng, 1, converters.length), 1), phase: rng.nextInt(2) === 0 ? 'mid' : 'after' },
    // a converter's results committed; killed while simulating the next one
    { event: resultsAt(draw(rng, 1, converters.length - 1), 2), ms: draw(rng, 0, 300) },
    { event: finish, phase: 'mid' },
    { event: table, phase: 'mid' },
    { event: table + 1, phase: 'after' },
  ]);

  const eventsDone = (): number => {
    if (!existsSync(join(run, 'results.json'))) return 0;
    const r = results(run);
    return 2 + 2 * r.runs.length + (r.provenance.finishedAt === null ? 0 : 2);
  };
  const started2 = performance.now();
  const outcome = await killAndResume(run, points, {
    events: whole.events,
    eventsDone,
    command: () => command,
    whole: () => {
      if (existsSync(join(run, 'snn.json'))) assert.deepEqual(snn(run), snn(reference));
      if (existsSync(join(run, 'results.json'))) {
        const now = without(results(run), clocks) as ExperimentResults;
        const want = without(refResults, clocks) as ExperimentResults;
        assert.deepEqual(now.runs, want.runs.slice(0, now.runs.length), 'the converters finished so far, as in the uninterrupted run');
      }
      if (existsSync(join(run, 'table.md'))) assert.ok(readFileSync(join(run, 'table.md')).equals(refTable));
    },
  });
  t.diagnostic(`uninterrupted ${uninterrupted.toFixed(1)} s; ${outcome.runs} runs, ${((performance.now() - started2) / 1000).toFixed(1)} s`);
  t.diagnostic(`killed at: ${outcome.landed.join('; ')}${outcome.skipped.length ? `; passed by: ${outcome.skipped.join('; ')}` : ''}`);
  t.diagnostic(`temporary files left by kills: ${leftovers(run).join(', ') || 'none'}`);
  assert.ok(outcome.landed.length >= points.length - 1, `only ${outcome.landed.length} of ${points.length} kills landed`);

  const final = results(run);
  assert.deepEqual(without(final, clocks), without(refResults, clocks));
  assert.ok(final.provenance.finishedAt !== null && final.provenance.wallSeconds > 0);
  assert.ok(readFileSync(join(run, 'table.md')).equals(refTable), 'table.md differs');
  assert.deepEqual(snn(run), snn(reference));
  assert.deepEqual(visible(run), visible(reference));
});
