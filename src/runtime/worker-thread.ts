/**
 * A worker thread that answers one request at a time (the simulation and tuning workers): request/reply
 * messages in order, an `MsatError` thrown in the worker re-thrown on the main thread with its code, a
 * close that lets the worker release its onnxruntime sessions first, and a start that also works when msat
 * runs from its `.ts` sources under tsx.
 */
import { Worker, type TransferListItem } from 'node:worker_threads';
import { isMsatError, MsatError, type MsatErrorCode } from '../core/index.js';

/** What a worker answers when its handler threw. */
export interface WorkerFailure {
  readonly kind: 'error';
  readonly code?: MsatErrorCode;
  readonly message: string;
  readonly stack?: string;
}

/** The reply a worker sends for an exception `e` of its handler. */
export function workerFailure(e: unknown): WorkerFailure {
  return {
    kind: 'error',
    code: isMsatError(e) ? e.code : undefined,
    message: e instanceof Error ? e.message : String(e),
    stack: e instanceof Error ? e.stack : undefined,
  };
}

/**
 * One worker thread and its one outstanding request. An error the worker reports leaves it alive (it rejects
 * that request only); a thread that died rejects everything after. Threads are ended only once they have
 * released their onnxruntime sessions: terminating one that still holds them can abort the whole process.
 */
export class WorkerChannel<Request extends { readonly kind: string }, Reply extends { readonly kind: string }> {
  readonly #worker: Worker;
  readonly #label: string;
  readonly #code: MsatErrorCode;
  #pending: { promise: Promise<Reply>; resolve: (reply: Reply) => void; reject: (e: MsatError) => void } | undefined;
  #dead: MsatError | undefined;

  /**
   * Starts `entry` (a module URL; see `moduleBeside`) with `workerData`. `label` names the worker in errors
   * ("simulation worker"); `code` is the error code of failures that are not the worker's own `MsatError`s.
   */
  constructor(entry: URL, workerData: unknown, label: string, code: MsatErrorCode) {
    this.#label = label;
    this.#code = code;
    this.#worker = startWorker(entry, workerData);
    this.#worker.on('message', (m: Reply | WorkerFailure) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if (m.kind !== 'error') pending?.resolve(m as Reply);
      else {
        const f = m as WorkerFailure;
        const cause = Object.assign(new Error(f.message), { stack: f.stack });
        pending?.reject(new MsatError(f.code ?? code, f.code ? f.message : `${label} failed: ${f.message}`, { cause }));
      }
    });
    this.#worker.on('error', (e: unknown) =>
      this.#die(new MsatError(code, `${label} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })),
    );
    this.#worker.on('exit', (exit) => this.#die(new MsatError(code, `${label} stopped (exit code ${exit})`)));
  }

  /** Sends `message` and resolves with the reply; rejects with the worker's error, or if the thread died. */
  request(message: Request, transfer: TransferListItem[] = []): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#pending) return Promise.reject(new MsatError(this.#code, `${this.#label} got a ${message.kind} request while busy`));
    let resolve!: (reply: Reply) => void;
    let reject!: (e: MsatError) => void;
    const promise = new Promise<Reply>((res, rej) => ([resolve, reject] = [res, rej]));
    this.#pending = { promise, resolve, reject };
    this.#worker.postMessage(message, transfer);
    return promise;
  }

  /** Waits for the outstanding request, sends a live worker `closing` (release your sessions), then ends the thread. */
  async close(closing: Request): Promise<void> {
    await this.#pending?.promise.catch(() => {});
    if (!this.#dead) await this.request(closing).catch(() => {});
    await this.#worker.terminate();
  }

  #die(e: MsatError): void {
    this.#dead ??= e;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(this.#dead);
  }
}

/** The module `name` next to the module at `here` (an `import.meta.url`), with the same extension (`.js` or `.ts`). */
export function moduleBeside(here: string, name: string): URL {
  return new URL(`./${name}${here.slice(here.lastIndexOf('.'))}`, here);
}

/**
 * Starts a worker on `entry`: a compiled `.js` directly, or, when msat runs from its `.ts` sources under tsx,
 * an inline entry that registers tsx's loader in the worker first, because Node 20 does not apply the
 * parent's `--import tsx` hooks to a worker's modules.
 */
function startWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(source, { eval: true, workerData });
}
