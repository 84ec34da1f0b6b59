/**
 * Entry of a `TrialWorkers` thread: the tuning context rebuilt from `workerData` on its own `Runner`, answering
 * one trial at a time (`evaluateConfig` on a range of the tuning samples), then close (release the sessions).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Runner } from '../runtime/index.js';
import { workerFailure } from '../runtime/index.js';
import { evaluateConfig, type EvaluationContext } from './evaluate-config.js';
import type { FromTrialWorker, ToTrialWorker, TrialWorkerSetup } from './parallel-trials.js';
import { tuningDataOf } from './tuning-data.js';

const setup = workerData as TrialWorkerSetup;
const port = parentPort!;
const runner = new Runner(setup.runner);
const ctx: EvaluationContext = { ...setup.context, data: tuningDataOf(setup.arrays), runner, workers: 1 };
let queue = Promise.resolve();

port.on('message', (m: ToTrialWorker) => {
  queue = queue.then(async () => port.postMessage(await answer(m)));
});

async function answer(m: ToTrialWorker): Promise<FromTrialWorker> {
  try {
    if (m.kind === 'close') {
      await runner.dispose();
      return { kind: 'done' };
    }
    return { kind: 'tallies', tallies: await evaluateConfig({ ...ctx, steps: m.steps }, m.config, m.from, m.to) };
  } catch (e) {
    return workerFailure(e);
  }
}
