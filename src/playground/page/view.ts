/** The page's DOM: the control bar, one card per SNN, and the drawing pad. */
import type { ManifestSnn, PlaygroundManifest } from './manifest.js';
import { drawSample } from './charts.js';
import { readoutHeading } from './readout-track.js';

/** An element with a class, text and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = '', children: Node[] = []): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  e.append(...children);
  return e;
}

export interface Controls {
  readonly root: HTMLElement;
  readonly sampleButtons: HTMLButtonElement[];
  readonly drawing: HTMLCanvasElement | undefined;
  readonly preview: HTMLCanvasElement;
  readonly caption: HTMLElement;
  readonly steps: HTMLInputElement;
  readonly start: HTMLButtonElement;
  readonly pause: HTMLButtonElement;
  readonly step: HTMLButtonElement;
  readonly reset: HTMLButtonElement;
}

export function buildControls(manifest: PlaygroundManifest): Controls {
  const sampleButtons = manifest.samples.map((s, i) => {
    const b = el('button', 'sample');
    b.dataset.sample = String(i);
    b.title = `test sample ${s.index}, label ${manifest.classNames[s.label]}`;
    const thumb = el('canvas');
    drawSample(thumb, new Float32Array(Uint8Array.from(atob(s.x), (ch) => ch.charCodeAt(0)).buffer), manifest.inputDims);
    b.append(thumb);
    return b;
  });
  const drawing = manifest.canDraw ? el('canvas', 'drawing') : undefined;
  if (drawing) {
    drawing.width = 280;
    drawing.height = 280;
    drawing.setAttribute('aria-label', 'draw a digit here');
  }
  const preview = el('canvas', 'preview');
  const caption = el('p', 'caption');
  const steps = el('input');
  steps.type = 'number';
  steps.min = '1';
  steps.max = '1024';
  steps.value = String(manifest.steps);
  steps.id = 'steps';
  const button = (name: string, label: string) => {
    const b = el('button', `run ${name}`, label);
    b.dataset.action = name;
    return b;
  };
  const [start, pause, step, reset] = [button('start', 'Start'), button('pause', 'Pause'), button('step', 'Step'), button('reset', 'Reset')];
  const source = manifest.dataset ? `${manifest.samples.length} test samples of ${manifest.dataset}` : 'no test samples embedded';
  const picker = el('div', 'picker', '', [
    el('h2', '', 'Input'),
    el('p', 'note', source + (drawing ? '; or draw a digit' : '')),
    el('div', 'samples', '', sampleButtons),
  ]);
  if (drawing) {
    const clear = el('button', 'clear', 'Clear');
    clear.onclick = () => drawing.getContext('2d')!.clearRect(0, 0, drawing.width, drawing.height);
    picker.append(
      el('div', 'pad', '', [drawing, el('div', 'pad-side', '', [el('p', 'note', 'draw a digit; it runs when you lift the pen'), clear])]),
    );
  }
  const run = el('div', 'run-bar', '', [el('label', '', 'steps ', [steps]), start, pause, step, reset]);
  const current = el('div', 'current', '', [preview, caption]);
  return {
    root: el('section', 'controls', '', [picker, el('div', 'side', '', [current, run])]),
    sampleButtons,
    drawing,
    preview,
    caption,
    steps,
    start,
    pause,
    step,
    reset,
  };
}

export interface SnnCard {
  readonly snn: ManifestSnn;
  readonly root: HTMLElement;
  readonly answer: HTMLElement;
  readonly settled: HTMLElement;
  readonly bars: HTMLElement;
  readonly layer: HTMLSelectElement;
  readonly raster: HTMLCanvasElement;
  /** Says what the raster shows (neurons of the layer, steps). */
  readonly rasterNote: HTMLElement;
}

export function buildSnnCard(snn: ManifestSnn, manifest: PlaygroundManifest): SnnCard {
  const answer = el('p', 'answer', '–');
  const settled = el('p', 'settled');
  const bars = el('div', 'bars');
  const layer = el('select');
  for (const name of snn.spikingLayers) layer.append(new Option(name, name));
  layer.value = snn.spikingLayers[snn.spikingLayers.length - 1] ?? '';
  const raster = el('canvas', 'raster');
  const rasterNote = el('p', 'note');
  const details = el('details', '', '', [
    el('summary', '', 'model, converter settings and provenance'),
    el(
      'ul',
      '',
      '',
      [...snn.settings, ...snn.provenance].map((line) => el('li', '', line)),
    ),
  ]);
  const root = el('section', 'card snn', '', [
    el('h2', '', snn.label),
    answer,
    settled,
    el('h3', '', readoutHeading(snn.exit, manifest.classNames.length)),
    bars,
    el('h3', '', 'spikes per step of layer ', [layer]),
    raster,
    rasterNote,
    details,
  ]);
  root.dataset.snn = snn.id;
  return { snn, root, answer, settled, bars, layer, raster, rasterNote };
}

/** Pointer drawing on `canvas`; `done(ink, size)` with the ink coverage in [0, 1] after each stroke. */
export function attachDrawing(canvas: HTMLCanvasElement, done: (ink: Float32Array, size: number) => void): void {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  let last: { x: number; y: number } | undefined;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  canvas.onpointerdown = (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
  };
  canvas.onpointermove = (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  };
  canvas.onpointerup = () => {
    last = undefined;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    done(
      Float32Array.from({ length: canvas.width * canvas.height }, (_, i) => data[4 * i + 3] / 255),
      canvas.width,
    );
  };
}
