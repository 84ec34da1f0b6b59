/**
 * `msat playground` in a real browser (headless Debian Chromium driven by playwright-core): the command serves
 * the page on a free port; the MNIST CNN converted with θ = λ and with the shipped tuned MSAT file run in the
 * page's Web Worker on onnxruntime-web (wasm) for 32 steps on five embedded test images. Both paths are compared
 * step by step: the page's accumulated readout against msat's simulator (`BatchSimulator`'s per-step readout, the
 * path `msat simulate` takes, on onnxruntime-node) — the same argmax at every step, sums within 1e-4 — and the
 * page's settling step against the SNN file's exit rule replayed on the simulator's readout. The ANN's answer
 * against onnxruntime-node on the same exported ANN (1e-4). The page logs no console error, requests nothing
 * outside its own server, and does not scroll sideways at 1280 px and 400 px.
 *
 * MSAT_PLAYGROUND_SCREENSHOTS=1 writes docs/playground-desktop.png and docs/playground-phone.png. Page weight
 * and time to first step are printed as test diagnostics (bench/RESULTS.md).
 *
 * Needs Chromium at /usr/bin/chromium or $MSAT_CHROMIUM; MSAT_SKIP_BROWSER=1 skips it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ConvertedSnn } from '../../src/index.js';
import { openDataset } from '../../src/data/index.js';
import { Runner } from '../../src/runtime/index.js';
import { BatchSimulator, exitFires, neuronDynamics, parseExitRule, readoutFeatures, resolveExitRule } from '../../src/snn/index.js';
import type { PlaygroundManifest } from '../../src/playground/index.js';
import { ROOT, runCli } from '../cli-helpers.js';
import { browserSkip, launchChromium } from '../chromium.js';

const skip = browserSkip('the playground');
const T = 32;
const IMAGES = 5;
const TOLERANCE = 1e-4;
/** The page's test hook (evaluated in the page as strings: the project's tsconfig has no DOM types). */
const HOOK = 'window.__msatPlayground';

interface Hook {
  ready: boolean;
  error?: string;
  t: number;
  running: boolean;
  input: number | 'drawn';
  readyAt?: number;
  firstStepAt?: number;
  stepMs: number[];
  snns: Record<string, { label: string; sums: number[][]; top: number[]; settled: number | null }>;
  ann: Record<string, number[]>;
}

/** Each sample's accumulated readout after every step, [sample][step][class], from msat's simulator. */
async function simulatorReadout(snnFile: string, x: Float32Array, labels: Int32Array, runner: Runner): Promise<Float64Array[][]> {
  const snn = await ConvertedSnn.load(snnFile, { runner });
  const B = labels.length;
  const sums = Array.from({ length: B }, () => [] as Float64Array[]);
  const sim = new BatchSimulator(snn.network, snn.lambdas, runner, {
    steps: T,
    dynamics: neuronDynamics(snn.neuron),
    compareWithAnn: false,
    batchSize: B,
    onReadout: (_step, logits, ls, first) => {
      const classes = logits.length / ls.length;
      for (let i = 0; i < ls.length; i++) sums[first + i].push(logits.slice(i * classes, (i + 1) * classes));
    },
  });
  try {
    await sim.run({ data: x, dims: [B, 1, 28, 28], type: 'float32' }, labels, 0);
  } finally {
    await sim.dispose();
    await snn.dispose();
  }
  return sums;
}

/** The step at which `exit` fires on one sample's readout, replayed as the simulator decides it online. */
function exitStep(exit: string, sums: readonly Float64Array[]): number {
  const rule = resolveExitRule(parseExitRule(exit), T);
  const f = new Float64Array(3);
  let top = -1;
  let stable = 0;
  for (let t = 1; t <= sums.length; t++) {
    readoutFeatures(sums[t - 1], 0, sums[t - 1].length, t, f);
    stable = f[0] === top ? stable + 1 : 1;
    top = f[0];
    if (exitFires(rule, t, f[1], f[2], stable)) return t;
  }
  return -1;
}

function firstMax(v: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < v.length; c++) if (v[c] > v[best]) best = c;
  return best;
}

/** Starts `msat playground` and resolves with its URL once it serves. */
function startPlayground(args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'playground', ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /msat playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`msat playground exited with ${code} before serving:\n${out}\n${err}`)));
  });
}

function siteBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((a, e) => a + statSync(join(e.parentPath, e.name)).size, 0);
}

test(
  'msat playground in headless Chromium: θ = λ and tuned MSAT step by step equal msat simulate; ANN beside them',
  { skip, timeout: 480_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'msat-playground-test-'));
    const constFile = join(dir, 'mnist-cnn.const.snn.json');
    const tunedFile = join(ROOT, 'models', 'mnist-cnn.tuned.snn.json');
    const made = runCli(['convert', '--model', 'models/mnist-cnn.onnx', '--data', 'mnist', '--method', 'const', '--out', constFile]);
    assert.equal(made.status, 0, made.stderr);

    // the static site alone (--out), for its weight; the served one is built the same way
    const site = join(dir, 'site');
    const built = runCli(['playground', '--snn', constFile, '--snn', tunedFile, '--out', site]);
    assert.equal(built.status, 0, built.stderr);
    const weight = siteBytes(site);

    const server = await startPlayground(['--snn', constFile, '--snn', tunedFile, '--port', '0']);
    const runner = new Runner({ threads: 2 });
    const browser = await launchChromium();
    try {
      const manifest = (await (await fetch(new URL('playground.json', server.url))).json()) as PlaygroundManifest;
      assert.deepEqual(
        manifest.snns.map((s) => s.label),
        ['mnist-cnn.const', 'mnist-cnn.tuned'],
      );
      assert.equal(manifest.snns[1].exit, 'stable:2', 'the tuned file records an exit rule');
      assert.ok(manifest.samples.length >= IMAGES, `${manifest.samples.length} samples embedded`);

      // The embedded samples are msat's data loader's own tensors of those test images.
      const samples = manifest.samples.slice(0, IMAGES);
      const mnist = await openDataset('mnist', { split: 'test', limit: 1000, mean: manifest.mean, std: manifest.std });
      const all: Float32Array[] = [];
      for await (const { x, labels } of mnist.batches(250))
        for (let i = 0; i < labels.length; i++) all.push(x.data.slice(i * 784, (i + 1) * 784) as Float32Array);
      const x = new Float32Array(IMAGES * 784);
      samples.forEach((s, i) => {
        const embedded = new Float32Array(Buffer.from(s.x, 'base64').buffer.slice(0));
        assert.deepEqual(embedded, all[s.index], `sample ${s.index}: embedded tensor equals the data loader's`);
        x.set(embedded, i * 784);
      });
      const labels = Int32Array.from(samples, (s) => s.label);
      const reference = new Map<string, Float64Array[][]>([
        ['snn-0', await simulatorReadout(constFile, x, labels, runner)],
        ['snn-1', await simulatorReadout(tunedFile, x, labels, runner)],
      ]);
      const annSession = await ort.InferenceSession.create(join(site, manifest.snns[0].ann));

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      const foreign: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForFunction(`${HOOK}?.ready || ${HOOK}?.error`, null, { timeout: 120_000 });
      // time to first step: the page is ready, Step is pressed at once
      await page.click('button[data-action=step]');
      await page.waitForFunction(`${HOOK}.t === 1`);
      const first = (await page.evaluate(HOOK)) as Hook;
      assert.equal(first.error, undefined);
      t.diagnostic(
        `page weight ${weight} bytes; ready after ${first.readyAt?.toFixed(0)} ms, first step shown after ${first.firstStepAt?.toFixed(0)} ms`,
      );

      let largest = 0;
      const stepMs: number[] = [];
      for (const [i, s] of samples.entries()) {
        await page.click(`button.sample[data-sample="${i}"]`);
        await page.waitForFunction(`${HOOK}.input === ${i} && ${HOOK}.t === 0`);
        await page.click('button[data-action=start]');
        await page.waitForFunction(`(${HOOK}.t === ${T} && !${HOOK}.running) || ${HOOK}.error`, null, { timeout: 120_000 });
        const hook = (await page.evaluate(HOOK)) as Hook;
        assert.equal(hook.error, undefined);
        stepMs.push(...hook.stepMs);
        for (const snn of manifest.snns) {
          const h = hook.snns[snn.id];
          const ref = reference.get(snn.id)![i];
          assert.equal(h.sums.length, T, `${snn.label}, sample ${s.index}: ${T} steps shown`);
          for (let step = 0; step < T; step++) {
            assert.equal(h.top[step], firstMax(ref[step]), `${snn.label}, sample ${s.index}, step ${step + 1}: prediction`);
            const worst = Math.max(...h.sums[step].map((v, c) => Math.abs(v - ref[step][c])));
            largest = Math.max(largest, worst);
            assert.ok(worst <= TOLERANCE, `${snn.label}, sample ${s.index}, step ${step + 1}: Σ readout differs by ${worst}`);
          }
          if (snn.exit) assert.equal(h.settled, exitStep(snn.exit, ref), `${snn.label}, sample ${s.index}: settling step`);
          else assert.equal(h.settled, null);
        }
        const ann = (
          await annSession.run({ [annSession.inputNames[0]]: new ort.Tensor('float32', x.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) })
        )[annSession.outputNames[0]].data as Float32Array;
        const pageAnn = hook.ann['snn-0'];
        assert.ok(Math.max(...pageAnn.map((v, c) => Math.abs(v - ann[c]))) <= TOLERANCE, `sample ${s.index}: ANN logits`);
        const shown = await page.locator('section.ann .answer').textContent();
        assert.ok(shown?.startsWith(`${manifest.classNames[firstMax(ann)]} `), `sample ${s.index}: ANN answer shown: ${shown}`);
      }
      await annSession.release();
      t.diagnostic(
        `largest |Σ readout (page) − Σ readout (simulator)| ${largest}; a step of both SNNs ${(stepMs.reduce((a, b) => a + b, 0) / stepMs.length).toFixed(1)} ms (mean of ${stepMs.length})`,
      );

      const screenshots = process.env.MSAT_PLAYGROUND_SCREENSHOTS === '1';
      for (const [width, name] of [
        [1280, 'desktop'],
        [400, 'phone'],
      ] as const) {
        await page.setViewportSize({ width, height: 900 });
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
        assert.ok(overflow <= 0, `${width} px: the page is ${overflow} px wider than the window`);
        const cards = await page.locator('section.card').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().right)));
        for (const right of cards) assert.ok(right <= width, `${width} px: a card reaches ${right} px`);
        if (screenshots) await page.screenshot({ path: join(ROOT, 'docs', `playground-${name}.png`), fullPage: true });
      }
      // a drawn digit (a vertical stroke: a 1) becomes the input and runs
      const pad = await page.locator('canvas.drawing').boundingBox();
      assert.ok(pad, 'the drawing pad is shown for an MNIST model');
      await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.8, { steps: 8 });
      await page.mouse.up();
      await page.waitForFunction(`${HOOK}.input === 'drawn' && ${HOOK}.t === 0`);
      await page.click('button[data-action=step]');
      await page.waitForFunction(`${HOOK}.t === 1 || ${HOOK}.error`);
      const drawn = (await page.evaluate(HOOK)) as Hook;
      assert.equal(drawn.error, undefined);
      assert.equal(drawn.snns['snn-0'].sums.length, 1, 'the drawing ran a step');

      assert.deepEqual(problems, [], 'console errors');
      assert.deepEqual(foreign, [], 'requests outside the site');
      await context.close();
    } finally {
      await browser.close();
      await runner.dispose();
      server.stop();
    }
  },
);
