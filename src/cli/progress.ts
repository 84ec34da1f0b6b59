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
 * Progress of a run over several converters (`msat experiment`, `msat demo`): one bar per converter and stage,
 * the previous one stopped when the next begins. `update` fits `ExperimentOptions.onProgress`.
 */
export function createStagedProgress(width: number): {
  update(converter: { readonly label: string }, stage: string, done: number, total: number): void;
  stop(): void;
} {
  let progress: Progress | undefined;
  let current = '';
  return {
    update(converter, stage, done, total) {
      const label = stage === 'simulate' ? converter.label : `${converter.label} (${stage})`;
      if (label !== current) {
        progress?.stop();
        progress = createProgress(label.padEnd(width));
        current = label;
      }
      progress!.update(done, total);
    },
    stop() {
      progress?.stop();
      current = '';
    },
  };
}
