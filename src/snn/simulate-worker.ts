/**
 * Entry of a `ParallelSimulator` worker thread: one `BatchSimulator` on its own `Runner`, built from the
 * `WorkerSetup` in `workerData`. It answers the main thread's requests one at a time, in order: a batch to
 * simulate, the tallies so far, or close (release the sessions).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Runner } from '../runtime/index.js';
import { workerFailure } from '../runtime/index.js';
import type { FromWorker, ToWorker, WorkerSetup } from './parallel-simulate.js';
import { BatchSimulator } from './batch-simulator.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const runner = new Runner(setup.runner);
let sim: BatchSimulator | undefined;
let queue = Promise.resolve();

port.on('message', (m: ToWorker) => {
  queue = queue.then(async () => port.postMessage(await answer(m)));
});

async function answer(m: ToWorker): Promise<FromWorker> {
  try {
    if (m.kind === 'close') {
      await sim?.dispose();
      await runner.dispose();
      return { kind: 'done' };
    }
    // created here, not at load, so that its errors reach the main thread with their code
    sim ??= new BatchSimulator(setup.network, setup.lambdas, runner, setup.options);
    if (m.kind === 'tallies') return { kind: 'tallies', tallies: sim.tallies() };
    await sim.run(m.x, m.labels, m.first);
    return { kind: 'done' };
  } catch (e) {
    return workerFailure(e);
  }
}
