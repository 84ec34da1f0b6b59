/**
 * Progress on stderr: a bar with rate and ETA on a terminal, a line every few seconds otherwise (logs, CI), never
 * the same count twice. It appears only once a run has lasted `delayMs`, so quick runs print nothing.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function createProgress(label: string, unit = 'samples', delayMs = 700): Progress {
  const started = Date.now();
  const payload = (done: number, total: number) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    // No ETA before the first unit is done: "ETA 0s" at the start would be a wrong number.
    return { rate: rate.toFixed(rate < 10 ? 1 : 0), remaining: done > 0 && rate > 0 ? formatSeconds((total - done) / rate) : '…' };
  };
  const shown = () => Date.now() - started >= delayMs;
  const inner = process.stderr.isTTY ? barProgress(label, unit, payload, shown) : logProgress(label, unit, payload, shown);
  // A first unit can take many seconds (a batch of a large network): show the count at `delayMs` anyway.
  let latest: [number, number] | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    update(done, total) {
      latest = [done, total];
      if (shown()) inner.update(done, total);
      else timer ??= setTimeout(() => latest && inner.update(...latest), delayMs - (Date.now() - started)).unref();
    },
    stop() {
      clearTimeout(timer);
      latest = undefined;
      inner.stop();
    },
  };
}

/** On a terminal: one bar, redrawn in place. */
function barProgress(
  label: string,
  unit: string,
  payload: (done: number, total: number) => { rate: string; remaining: string },
  shown: () => boolean,
): Progress {
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        if (!shown() || done >= total) return;
        bar = new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {remaining}`,
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, payload(done, total));
        return;
      }
      bar.setTotal(total);
      bar.update(done, payload(done, total));
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** On a log (not a terminal): a line every few seconds while the count moves, and the last count once at the end. */
function logProgress(
  label: string,
  unit: string,
  payload: (done: number, total: number) => { rate: string; remaining: string },
  shown: () => boolean,
): Progress {
  const EVERY_MS = 5000;
  let printedAt = 0;
  let printed = '';
  let last: [number, number] | undefined;
  const print = (done: number, total: number) => {
    const p = payload(done, total);
    const line = `${label} ${Math.floor((100 * done) / total)}% | ${done}/${total} ${unit} | ${p.rate} ${unit}/s | ETA ${p.remaining}`;
    if (`${done}/${total}` === printed) return;
    process.stderr.write(`${line}\n`);
    printed = `${done}/${total}`;
    printedAt = Date.now();
  };
  return {
    update(done, total) {
      last = [done, total];
      if (shown() && done < total && Date.now() - printedAt >= EVERY_MS) print(done, total);
    },
    stop() {
      // the final count, once, and only for a run that printed progress before
      if (last && printed !== '') print(...last);
      last = undefined;
    },
  };
}

/** 75 -> "1m15s", 3700 -> "1h01m", 9 -> "9s". */
function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Progress of a job in stages (calibrate, simulate, …; one per converter in `msat experiment`): one bar per
 * stage label, the previous one stopped when the next begins.
 */
export function createStagedProgress(width = 0): {
  update(label: string, done: number, total: number, unit?: string): void;
  stop(): void;
} {
  let progress: Progress | undefined;
  let current: string | undefined;
  return {
    update(label, done, total, unit) {
      if (label !== current) {
        progress?.stop();
        progress = createProgress(label.padEnd(width), unit);
        current = label;
      }
      progress!.update(done, total);
    },
    stop() {
      progress?.stop();
      current = undefined;
    },
  };
}

/** The stage label of a converter in `msat experiment` / `msat demo`: its name, with the stage unless simulating. */
export function converterStage(converter: { readonly label: string }, stage: string): string {
  return stage === 'simulate' ? converter.label : `${converter.label} (${stage})`;
}
