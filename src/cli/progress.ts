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
