/**
 * The page's Web Worker: runs the exported SNNs step by step, and their ANNs, with onnxruntime-web's wasm
 * backend (one thread: a static host does not send the cross-origin isolation headers that wasm threads need).
 * It keeps every SNN's state between steps, as the `msat.snn` contract says: each state output `X:out` is fed
 * back as the next call's input `X`, and a new input resets the state.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { ManifestSnn } from './manifest.js';
import { RASTER_NEURONS, pickNeurons, spikeCountLayer } from './neuron-picks.js';
import type { StepResult, WorkerReply, WorkerRequest } from './protocol.js';

interface Loaded {
  readonly snn: ManifestSnn;
  readonly session: ort.InferenceSession;
  readonly ann: ort.InferenceSession;
  /** Per spiking layer: its spike-count state and the picked neurons. */
  readonly layers: readonly { readonly layer: string; readonly state: string; readonly picks: Int32Array }[];
  state: Record<string, ort.Tensor>;
}

// The worker's global scope, typed by hand: the page's tsconfig has the DOM library, not the WebWorker one.
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
};

let loaded: Loaded[] = [];
let input: ort.Tensor | undefined;
let t = 0;

function resetState(snn: ManifestSnn): Record<string, ort.Tensor> {
  const state: Record<string, ort.Tensor> = {};
  for (const s of snn.state) {
    const dims = s.meaning === 't0' ? [...s.dims] : [1, ...s.dims];
    const size = dims.reduce((a, d) => a * d, 1);
    state[s.input] =
      s.type === 'float64'
        ? new ort.Tensor('float64', new Float64Array(size).fill(s.reset), dims)
        : new ort.Tensor('float32', new Float32Array(size).fill(s.reset), dims);
  }
  return state;
}

async function load(request: Extract<WorkerRequest, { kind: 'load' }>): Promise<WorkerReply> {
  const start = performance.now();
  ort.env.wasm.wasmPaths = { wasm: request.wasm };
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'] };
  // SNNs of one model share their ANN's file, and so its session
  const anns = new Map<string, Promise<ort.InferenceSession>>();
  const annSession = (url: string) => anns.get(url) ?? anns.set(url, ort.InferenceSession.create(new URL(url, request.base).href, options)).get(url)!;
  loaded = await Promise.all(
    request.snns.map(async (snn) => {
      const [session, ann] = await Promise.all([ort.InferenceSession.create(new URL(snn.onnx, request.base).href, options), annSession(snn.ann)]);
      const layers = snn.state.flatMap((s) => {
        const layer = spikeCountLayer(s.meaning);
        return layer === undefined ? [] : [{ layer, state: s.input, picks: pickNeurons(s.dims, RASTER_NEURONS) }];
      });
      return { snn, session, ann, layers, state: resetState(snn) };
    }),
  );
  return { kind: 'loaded', ms: performance.now() - start };
}

async function reset(request: Extract<WorkerRequest, { kind: 'reset' }>): Promise<WorkerReply> {
  input = new ort.Tensor('float32', request.x, [1, ...request.dims]);
  t = 0;
  const ann: Record<string, Float32Array> = {};
  // SNNs that share an ANN session share its answer: one run per session
  const answers = new Map<ort.InferenceSession, Float32Array>();
  for (const l of loaded) {
    l.state = resetState(l.snn);
    let answer = answers.get(l.ann);
    if (!answer) {
      const out = await l.ann.run({ [l.ann.inputNames[0]]: input });
      answer = Float32Array.from(out[l.ann.outputNames[0]].data as Float32Array);
      answers.set(l.ann, answer);
    }
    ann[l.snn.id] = answer;
  }
  return { kind: 'reset', ann };
}

async function step(): Promise<WorkerReply> {
  if (!input) throw new Error('step before an input was set');
  const start = performance.now();
  const results: Record<string, StepResult> = {};
  for (const l of loaded) {
    const out = await l.session.run({ [l.snn.input]: input, ...l.state });
    const spikes: Record<string, Float32Array> = {};
    for (const { layer, state, picks } of l.layers) {
      const before = l.state[state].data as Float32Array;
      const after = out[`${state}:out`].data as Float32Array;
      spikes[layer] = Float32Array.from(picks, (i) => after[i] - before[i]);
    }
    const next: Record<string, ort.Tensor> = {};
    for (const s of l.snn.state) next[s.input] = out[s.output];
    l.state = next;
    results[l.snn.id] = { sum: Float64Array.from(out[l.snn.sum].data as Float64Array), spikes };
  }
  t++;
  return { kind: 'step', t, ms: performance.now() - start, results };
}

scope.onmessage = (e) => {
  const request = e.data;
  const run = request.kind === 'load' ? load(request) : request.kind === 'reset' ? reset(request) : step();
  run.then(
    (reply) => scope.postMessage(reply),
    (err: unknown) => scope.postMessage({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
};
