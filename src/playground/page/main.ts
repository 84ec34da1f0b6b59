/**
 * The playground page: pick an embedded test sample (or draw a digit), then run every SNN step by step in a
 * Web Worker and watch each one's prediction, confidence, accumulated readout, spike raster and settling step
 * beside the ANN's answer. `window.__msatPlayground` mirrors what the page shows, for tests and scripts.
 */
import { drawSample, renderBars, renderRaster } from './charts.js';
import { mnistFromDrawing, normalizePixels } from './digit-image.js';
import type { ManifestSnn, PlaygroundManifest } from './manifest.js';
import type { StepResult, WorkerReply, WorkerRequest } from './protocol.js';
import { ReadoutTrack, shownExitRule } from './readout-track.js';
import { RASTER_NEURONS } from './neuron-picks.js';
import { attachDrawing, buildControls, buildSnnCard, el, type SnnCard } from './view.js';

/** The test hook: everything the page shows, as numbers. */
interface PlaygroundHook {
  ready: boolean;
  error?: string;
  /** Steps done on the current input. */
  t: number;
  running: boolean;
  /** Index into the manifest's samples, or 'drawn'. */
  input: number | 'drawn' | undefined;
  /** ms from navigation start until the sessions were created and the first sample was set. */
  readyAt?: number;
  /** ms from navigation start until the first step of the page's life was shown. */
  firstStepAt?: number;
  /** Worker time of each step of the current input (all SNNs), ms. */
  stepMs: number[];
  snns: Record<string, { label: string; sums: number[][]; top: number[]; confidence: number[]; settled: number | null }>;
  ann: Record<string, number[]>;
}

const hook: PlaygroundHook = { ready: false, t: 0, running: false, input: undefined, stepMs: [], snns: {}, ann: {} };
(window as unknown as { __msatPlayground: PlaygroundHook }).__msatPlayground = hook;

const manifest = (await (await fetch('playground.json')).json()) as PlaygroundManifest;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let pending: ((reply: WorkerReply) => void) | undefined;
worker.onmessage = (e: MessageEvent<WorkerReply>) => pending?.(e.data);
worker.onerror = (e) => fail(`worker: ${e.message}`);

/** Sends one request and waits for its reply (one at a time). */
function call(request: WorkerRequest, transfer: Transferable[] = []): Promise<WorkerReply> {
  return new Promise((resolve) => {
    pending = (reply) => {
      pending = undefined;
      if (reply.kind === 'error') fail(reply.message);
      else resolve(reply);
    };
    worker.postMessage(request, transfer);
  });
}

function fail(message: string): void {
  hook.error = message;
  hook.running = false;
  status.textContent = `error: ${message}`;
  status.classList.add('error');
}

const root = document.getElementById('app')!;
const status = el('p', 'status', 'loading the models…');
const controls = buildControls(manifest);
const cards = new Map<string, SnnCard>(manifest.snns.map((snn) => [snn.id, buildSnnCard(snn, manifest)]));
const annCard = el('section', 'card ann');
annCard.append(
  el('h2', '', 'ANN'),
  el('p', 'answer'),
  el('div', 'bars'),
  el('p', 'note', 'the calibrated ANN the SNNs approximate (msat export --format onnx-ann)'),
);
root.append(controls.root, status, el('div', 'cards', '', [...[...cards.values()].map((c) => c.root), annCard]));

let tracks = new Map<string, ReadoutTrack>();
let rasters = new Map<string, Record<string, Float32Array>[]>();
let inputX: Float32Array | undefined;
let busy = false;

const steps = (): number => Math.max(1, Math.min(1024, Math.floor(Number(controls.steps.value)) || manifest.steps));
const sample = (i: number): Float32Array => new Float32Array(Uint8Array.from(atob(manifest.samples[i].x), (ch) => ch.charCodeAt(0)).buffer);

async function setInput(x: Float32Array, which: number | 'drawn'): Promise<void> {
  hook.running = false;
  while (busy) await new Promise((r) => setTimeout(r, 5));
  busy = true;
  inputX = x;
  hook.input = which;
  drawSample(controls.preview, x, manifest.inputDims);
  controls.caption.textContent =
    which === 'drawn'
      ? 'your drawing, 28 × 28'
      : `test sample ${manifest.samples[which].index}, label ${manifest.classNames[manifest.samples[which].label]}`;
  for (const b of controls.sampleButtons) b.classList.toggle('chosen', b.dataset.sample === String(which));
  const reply = await call({ kind: 'reset', x: x.slice(), dims: manifest.inputDims });
  busy = false;
  if (reply.kind !== 'reset') return;
  tracks = new Map(manifest.snns.map((s) => [s.id, new ReadoutTrack(s.classes, s.exit, steps())]));
  rasters = new Map(manifest.snns.map((s) => [s.id, []]));
  hook.t = 0;
  hook.stepMs = [];
  hook.snns = Object.fromEntries(manifest.snns.map((s) => [s.id, { label: s.label, sums: [], top: [], confidence: [], settled: null }]));
  hook.ann = Object.fromEntries(Object.entries(reply.ann).map(([id, v]) => [id, Array.from(v)]));
  renderAnn(reply.ann[manifest.snns[0].id]);
  for (const snn of manifest.snns) renderSnn(snn, undefined);
  status.textContent = `ready: ${steps()} steps`;
}

async function step(): Promise<boolean> {
  if (!inputX || busy || hook.t >= steps()) return false;
  busy = true;
  const reply = await call({ kind: 'step' });
  busy = false;
  if (reply.kind !== 'step') return false;
  hook.t = reply.t;
  hook.stepMs.push(reply.ms);
  for (const snn of manifest.snns) renderSnn(snn, reply.results[snn.id]);
  if (hook.firstStepAt === undefined) hook.firstStepAt = performance.now();
  status.textContent = `step ${hook.t} of ${steps()}`;
  return true;
}

async function start(): Promise<void> {
  if (hook.running) return;
  hook.running = true;
  while (hook.running && (await step())) await new Promise((r) => requestAnimationFrame(() => r(undefined)));
  hook.running = false;
}

function renderSnn(snn: ManifestSnn, result: StepResult | undefined): void {
  const card = cards.get(snn.id)!;
  const track = tracks.get(snn.id)!;
  const h = hook.snns[snn.id];
  const raster = rasters.get(snn.id)!;
  if (result) {
    const a = track.add(result.sum);
    raster.push(result.spikes);
    h.sums.push(Array.from(result.sum));
    h.top.push(a.top);
    h.confidence.push(a.confidence);
    h.settled = track.settled ?? null;
  }
  const last = track.answers[track.answers.length - 1];
  card.answer.textContent = last ? `${manifest.classNames[last.top] ?? last.top} · ${(100 * last.confidence).toFixed(1)} %` : '–';
  card.answer.dataset.top = last ? String(last.top) : '';
  card.settled.textContent =
    snn.exit === undefined
      ? 'no exit rule in the SNN file'
      : track.settled
        ? `settled at step ${track.settled} (${shownExitRule(snn.exit)})`
        : `not settled yet (${shownExitRule(snn.exit)})`;
  renderBars(card.bars, track.sums[track.sums.length - 1] ?? new Float64Array(snn.classes), manifest.classNames, last?.top ?? -1);
  const layer = card.layer.value;
  renderRaster(
    card.raster,
    raster.map((r) => r[layer]),
    steps(),
    track.settled,
  );
  const state = snn.state.find((st) => st.meaning === `n:${layer}`);
  const neurons = state ? state.dims.reduce((a, d) => a * d, 1) : 0;
  card.rasterNote.textContent = `${Math.min(RASTER_NEURONS, neurons)} of its ${neurons} neurons (rows), steps 1–${steps()} (columns)${track.settled ? '; the line marks the settling step' : ''}`;
}

function renderAnn(logits: Float32Array): void {
  let top = 0;
  for (let c = 1; c < logits.length; c++) if (logits[c] > logits[top]) top = c;
  let z = 0;
  for (let c = 0; c < logits.length; c++) z += Math.exp(logits[c] - logits[top]);
  annCard.querySelector('.answer')!.textContent = `${manifest.classNames[top] ?? top} · ${(100 / z).toFixed(1)} %`;
  renderBars(annCard.querySelector<HTMLElement>('.bars')!, logits, manifest.classNames, top);
}

controls.start.onclick = () => void start();
controls.pause.onclick = () => (hook.running = false);
controls.step.onclick = () => void step();
controls.reset.onclick = () => inputX && void setInput(inputX, hook.input ?? 'drawn');
controls.steps.onchange = () => inputX && void setInput(inputX, hook.input ?? 'drawn');
for (const b of controls.sampleButtons) b.onclick = () => void setInput(sample(Number(b.dataset.sample)), Number(b.dataset.sample));
for (const card of cards.values()) card.layer.onchange = () => renderSnn(card.snn, undefined);
if (controls.drawing) {
  attachDrawing(controls.drawing, (ink, size) => {
    const [C] = manifest.inputDims;
    void setInput(normalizePixels(mnistFromDrawing(ink, size), C, manifest.mean, manifest.std), 'drawn');
  });
}

const loaded = await call({
  kind: 'load',
  wasm: new URL('ort/ort-wasm-simd-threaded.wasm', location.href).href,
  base: location.href,
  snns: manifest.snns,
});
if (loaded.kind === 'loaded') {
  if (manifest.samples.length > 0) await setInput(sample(0), 0);
  hook.ready = true;
  hook.readyAt = performance.now();
}
