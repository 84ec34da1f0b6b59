/**
 * Progress on stderr: a bar with rate and ETA on a terminal, a line every few seconds otherwise (logs, CI).
 * The bar appears only once a run has lasted `delayMs`, so quick runs print nothing.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function createProgress(label: string, unit = 'samples', delayMs = 700): Progress {
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        if (Date.now() - started < delayMs || done >= total) return;
        bar = new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
            stream: process.stderr,
            noTTYOutput: !process.stderr.isTTY,
            notTTYSchedule: 5000,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { rate: '0' });
      }
      const seconds = (Date.now() - started) / 1000;
      bar.setTotal(total);
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(0) : '0' });
    },
    stop() {
      bar?.stop();
    },
  };
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
