/**
 * Charts of short runs and the PNG renderer's boundary. Real results (the shipped MNIST CNN on 20 test images,
 * `report-fixture.ts`) with T = 1, 2, 4 and 8 render every figure as SVG and PNG and show their data (a dot per
 * step); a converter that never comes near the ANN (the case that made resvg abort the process in the zoom chart)
 * renders; an SVG that makes resvg panic is a `REPORT_PNG` error, not an abort (resvg runs in a child process);
 * a report whose PNGs fail still writes every SVG and report.html and then fails with one line; a run with an exit
 * rule, and exit sweeps whose front has one point or none, render every chart; and results files with accuracies
 * outside [0, 1] or per-step arrays shorter than T are refused naming the field.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentResults } from '../../src/experiment/index.js';
import { accuracyChartSpec, readResults, renderPng, renderReport, renderSvg } from '../../src/report/index.js';
import { isMsatError } from '../../src/core/errors.js';
import { runCli } from '../cli-helpers.js';
import { simulateFixture } from './report-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'msat-report-short-'));
const STEPS = [1, 2, 4, 8] as const;
const results = new Map<number, ExperimentResults>();
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHARTS = ['accuracy', 'accuracy-zoom', 'accuracy-steps', 'firing-rate', 'sin-ratio', 'sop', 'raster', 'traces-msat'];

before(async () => {
  for (const T of STEPS) results.set(T, await simulateFixture({ every: 500, steps: T }));
});

/** A deep copy whose fields can be damaged (the results types are read-only). */
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
const clone = (r: ExperimentResults): Mutable<ExperimentResults> => JSON.parse(JSON.stringify(r)) as Mutable<ExperimentResults>;
/** Paths (`d`) of the dots of a chart: Vega writes point marks as `mark-symbol role-mark` groups. */
const dots = (svg: string) =>
  [...svg.matchAll(/<g class="mark-symbol role-mark[^"]*"[^>]*[^/>]>(.*?)<\/g>/g)].flatMap((m) => [...m[1].matchAll(/<path /g)]).length;
const axisLabels = (svg: string) => [...(/role-axis-label[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? '').matchAll(/>([^<]*)<\/text>/g)].map((m) => m[1]);

for (const T of STEPS) {
  test(`T = ${T}: every chart renders as SVG and PNG and shows a dot per step`, async () => {
    const r = results.get(T)!;
    const dir = join(root, `t${T}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.json'), JSON.stringify(r));
    const rendered = await renderReport(await readResults(dir), dir, { onWarning: (m) => assert.fail(`chart warning: ${m}`) });
    assert.deepEqual(
      [...rendered.figures].sort(),
      CHARTS.flatMap((c) => [join(dir, 'figures', `${c}.svg`), join(dir, 'figures', `${c}.png`)]).sort(),
    );
    for (const c of CHARTS) {
      const svg = readFileSync(join(dir, 'figures', `${c}.svg`), 'utf8');
      assert.doesNotMatch(svg, /NaN|Infinity/, c);
      const png = readFileSync(join(dir, 'figures', `${c}.png`));
      assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, c);
      // the raster is a strip: one short row per traced neuron
      assert.ok(
        png.readUInt32BE(16) > 600 && png.readUInt32BE(20) > (c === 'raster' ? 200 : 400),
        `${c}: ${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`,
      );
      if (!c.startsWith('traces-') && c !== 'raster')
        for (const run of r.runs) assert.ok(svg.includes(`>${run.converter.label}<`), `${c}: legend ${run.converter.label}`);
    }
    const accuracy = readFileSync(join(dir, 'figures', 'accuracy.svg'), 'utf8');
    assert.equal(dots(accuracy), T * r.runs.length, 'accuracy: one dot per step and converter');
    const expectedTicks = T === 1 ? ['1'] : [1, 2, 4, 8].filter((t) => t <= T).map(String);
    assert.deepEqual(axisLabels(accuracy), expectedTicks, 'accuracy: step ticks');
    const sop = readFileSync(join(dir, 'figures', 'sop.svg'), 'utf8');
    assert.equal(dots(sop), T * r.runs.length, 'sop: one dot per step and converter');
    const traces = readFileSync(join(dir, 'figures', 'traces-msat.svg'), 'utf8');
    assert.equal(dots(traces), 2 * T * r.runs[2].traces.length, 'traces: membrane and threshold dot per step');
    // The zoom draws the dots inside its range and none outside it.
    const ann = 100 * r.annAccuracy;
    const top = Math.max(ann, ...r.runs.map((run) => 100 * run.report.bestAccuracy));
    const [lo, hi] = [Math.max(0, Math.floor(ann - 5)), Math.min(100, Math.ceil(top + 1))];
    const inside = r.runs.flatMap((run) => run.report.accuracyPerStep).filter((a) => 100 * a >= lo && 100 * a <= hi).length;
    assert.equal(dots(readFileSync(join(dir, 'figures', 'accuracy-zoom.svg'), 'utf8')), inside, 'zoom: dots inside its range');
  });
}

test('a converter far below the ANN (nothing of it inside the zoom) renders, and the caption says why it is missing', async () => {
  const r = clone(results.get(8)!);
  r.runs[2].report.accuracyPerStep = r.runs[2].report.accuracyPerStep.map(() => 0.05);
  r.runs[2].report.bestAccuracy = 0.05;
  r.runs[1].report.accuracyPerStep = r.runs[1].report.accuracyPerStep.map((_, i) => (i < 4 ? 0.05 : Math.max(0.05, r.annAccuracy - 0.005)));
  const out = join(root, 'far-below');
  const rendered = await renderReport(r as ExperimentResults, out);
  assert.equal(rendered.figures.length, 16);
  const html = readFileSync(rendered.html, 'utf8');
  assert.match(html, /MSAT DTT\+DET stays below \d+ % at every step, so no line is drawn for it here\./);
  // The same chart on its own: a zoom far above every point of a series, with a dot per step.
  const svg = await renderSvg(
    accuracyChartSpec(
      [
        { label: 'low', accuracyPerStep: [0.05, 0.05] },
        { label: 'near', accuracyPerStep: [0.5, 0.99] },
      ],
      1,
      { yDomain: [95, 100], showAnnMinus1: true },
    ),
  );
  assert.equal(dots(svg), 1, 'only the dot at 99 %');
  assert.deepEqual((await renderPng(svg)).subarray(0, 8), PNG_SIGNATURE);
});

test('runs with an exit rule and degenerate exit data render every chart as SVG and PNG', async () => {
  for (const T of [1, 8]) {
    const r = clone(results.get(T)!);
    const samples = r.runs[0].report.samples;
    // θ = λ: a front of one point; θ = 0.5·λ: an empty front; MSAT: a run with an exit rule whose traced sample stopped early
    const sweep0 = r.runs[0].report.exitSweep!;
    r.runs[0].report.exitSweep = { ...sweep0, front: sweep0.front.slice(-1) };
    r.runs[1].report.exitSweep = { ...r.runs[1].report.exitSweep!, front: [] };
    const exited = r.runs[2];
    const at = Math.max(1, T / 2);
    for (const tr of exited.traces) for (const key of ['membrane', 'threshold', 'spikes'] as const) tr[key] = tr[key].slice(0, at);
    // every sample but the traced one exits at T: all at one step when T = 1
    const histogram = Array.from({ length: T + 1 }, (_, t) => (t === T ? samples - 1 : 0) + (t === at ? 1 : 0));
    const meanSteps = (T * (samples - 1) + at) / samples;
    exited.converter.exit = 'confidence:0.9,min:1';
    exited.report.exit = {
      rule: 'confidence:0.9,min:1,max:' + T,
      accuracy: exited.report.accuracyPerStep[T - 1],
      meanSteps,
      medianSteps: T,
      p95Steps: T,
      computedSteps: T,
      histogram,
    };
    exited.report.exitSweep = null;
    const dir = join(root, `exit-t${T}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.json'), JSON.stringify(r));
    const rendered = await renderReport(await readResults(dir), dir, { onWarning: (m) => assert.fail(`T = ${T}: chart warning: ${m}`) });
    const charts = [...CHARTS, 'exit-steps'];
    assert.deepEqual(
      [...rendered.figures].sort(),
      charts.flatMap((c) => [join(dir, 'figures', `${c}.svg`), join(dir, 'figures', `${c}.png`)]).sort(),
    );
    for (const c of charts) {
      assert.doesNotMatch(readFileSync(join(dir, 'figures', `${c}.svg`), 'utf8'), /NaN|Infinity/, `T = ${T}: ${c}`);
      assert.deepEqual(readFileSync(join(dir, 'figures', `${c}.png`)).subarray(0, 8), PNG_SIGNATURE, `T = ${T}: ${c}`);
    }
    const steps = readFileSync(join(dir, 'figures', 'accuracy-steps.svg'), 'utf8');
    assert.ok(steps.includes(`>confidence:0.9,min:1,max:${T}<`) && steps.includes('>run with an exit rule<'), `T = ${T}: the exit run's point`);
    const html = readFileSync(rendered.html, 'utf8');
    assert.ok(html.includes(`MSAT DTT+DET: with an exit rule, the accuracy with a budget of T steps`), `T = ${T}: accuracy table caption`);
    assert.ok(html.includes(`<td>${meanSteps.toFixed(1)}</td><td>${T}</td><td>${T}</td>`), `T = ${T}: mean, median and 95 % in the exit table`);
    if (at < T) assert.match(html, new RegExp(`its traces end after ${at} steps`), `T = ${T}: trace caption`);
  }
});

test('an SVG that makes resvg panic is a REPORT_PNG error naming it, and this process lives on', async () => {
  // resvg 0.x panics (geom.rs, fit_to_rect) on a clipped group whose content lies wholly far outside the canvas.
  const panics =
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs><clipPath id="c"><rect width="100" height="50"/></clipPath></defs>' +
    '<g clip-path="url(#c)"><path d="M0,4560L100,4560" stroke="red"/></g></svg>';
  await assert.rejects(renderPng(panics, { name: 'figures/broken.png' }), (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'REPORT_PNG');
    assert.match(e.message, /^figures\/broken\.png: could not render SVG to PNG: resvg crashed \(Rust panic at geom\.rs:\d+/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  const nan = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><path d="M0,NaNL10,10" stroke="red"/></svg>';
  await assert.rejects(
    renderPng(nan, { name: 'figures/nan.png' }),
    (e: unknown) => isMsatError(e) && e.code === 'REPORT_PNG' && /^figures\/nan\.png: .*d="M0,NaNL10,10".*not finite/.test(e.message),
  );
  // A label may say NaN: only attribute values are numbers.
  const text = '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="15">NaN</text></svg>';
  assert.deepEqual((await renderPng(text)).subarray(0, 8), PNG_SIGNATURE);
});

test('when PNGs fail, every SVG and report.html are still written, the page names the failures, and the error is one line', async () => {
  const out = join(root, 'png-fails');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(results.get(4)));
  // 1 ms is less than any renderer needs to start, so every PNG fails.
  await assert.rejects(renderReport(results.get(4)!, out, { pngTimeoutMs: 1 }), (e: unknown) => {
    assert.ok(isMsatError(e), String(e));
    assert.equal(e.code, 'REPORT_PNG');
    assert.ok(e.message.startsWith(join(out, 'figures', 'accuracy.png')), e.message);
    assert.match(e.message, /and 7 more charts.*report\.html was written without it/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  assert.ok(existsSync(join(out, 'results.json')));
  assert.deepEqual(readdirSync(join(out, 'figures')).sort(), CHARTS.map((c) => `${c}.svg`).sort());
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal((html.match(/<svg[\s>]/g) ?? []).length, CHARTS.length);
  for (const c of CHARTS) assert.match(html, new RegExp(`\\(${c}\\): its PNG could not be rendered`));
});

test('results with accuracies outside [0, 1] or per-step arrays shorter than T are refused naming the field', async () => {
  const dir = join(root, 'malformed');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'results.json');
  const cases: [string, (r: Mutable<ExperimentResults>) => void, RegExp][] = [
    [
      'accuracy 5',
      (r) => (r.runs[1].report.accuracyPerStep[2] = 5),
      /runs\[1\]\.report\.accuracyPerStep\[2\]: expected an accuracy in \[0, 1\], got 5$/,
    ],
    [
      'accuracy −1',
      (r) => (r.runs[0].report.accuracyPerStep[0] = -1),
      /runs\[0\]\.report\.accuracyPerStep\[0\]: expected an accuracy in \[0, 1\], got -1$/,
    ],
    ['ANN accuracy 5', (r) => (r.annAccuracy = 5), /: annAccuracy: expected an accuracy in \[0, 1\], got 5$/],
    ['best accuracy −1', (r) => (r.runs[2].report.bestAccuracy = -1), /runs\[2\]\.report\.bestAccuracy: expected an accuracy in \[0, 1\], got -1$/],
    [
      'short accuracy',
      (r) => r.runs[0].report.accuracyPerStep.splice(5),
      /runs\[0\]\.report\.accuracyPerStep: expected 8 entries, one per step \(runs\[0\]\.report\.T = 8\), got 5$/,
    ],
    ['short SOP', (r) => r.runs[2].report.sopPerStep.splice(3), /runs\[2\]\.report\.sopPerStep: expected 8 entries, one per step .*got 3$/],
    ['short trace', (r) => r.runs[2].traces[1].membrane.splice(6), /runs\[2\]\.traces\[1\]\.membrane: expected 8 entries, one per step .*got 6$/],
    ['run T ≠ experiment T', (r) => (r.runs[1].report.T = 4), /runs\[1\]\.report\.T: expected the experiment's T \(8\), got 4$/],
  ];
  for (const [what, damage, pattern] of cases) {
    const r = clone(results.get(8)!);
    damage(r);
    writeFileSync(file, JSON.stringify(r));
    await assert.rejects(readResults(dir), (e: unknown) => {
      assert.ok(isMsatError(e), `${what}: ${String(e)}`);
      assert.equal(e.code, 'EXPERIMENT_RESULTS', what);
      assert.ok(e.message.startsWith(`${file}: `), `${what}: ${e.message}`);
      assert.match(e.message, pattern, what);
      return true;
    });
  }
  // msat report on such a folder: exit 1, one line, nothing written.
  const cli = runCli(['report', dir]);
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(cli.stderr, /^msat: EXPERIMENT_RESULTS: .*run T ≠|^msat: EXPERIMENT_RESULTS: .*runs\[1\]\.report\.T: expected/);
  assert.equal(cli.stderr.split('\n').length, 2, cli.stderr);
  assert.ok(!existsSync(join(dir, 'figures')) && !existsSync(join(dir, 'report.html')));
});
