/**
 * `msat report` on a real results file: three converters simulated by the project's own pipeline on the shipped
 * MNIST CNN (100 test images, T = 32; `report-fixture.ts`), rendered to SVG, PNG and HTML. Checks that every
 * chart exists, parses (resvg's strict XML parser) and shows every series; that PNGs are PNGs of the SVG's size
 * times the scale with text drawn (fonts found); that the HTML embeds every chart, fetches nothing and carries the
 * tables and provenance; that the tables agree with the reports they summarise; and that bad input is one line.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import type { ExperimentResults } from '../../src/experiment/index.js';
import {
  CONVERTER_COLORS,
  accuracyChartSpec,
  formatEnergy,
  layerLabel,
  pickTraces,
  readResults,
  reportFigureSpecs,
  renderPng,
  renderReport,
  renderSvg,
  summarizeRun,
  tableSteps,
  traceChartSpec,
  type RenderedReport,
} from '../../src/report/index.js';
import { isMsatError } from '../../src/core/errors.js';
import { runCli } from '../cli-helpers.js';
import { simulateFixture } from './report-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'msat-report-'));
const dir = join(root, 'mnist-cnn');
let results: ExperimentResults;
let rendered: RenderedReport;
let renderSeconds = 0;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHARTS = ['accuracy', 'accuracy-zoom', 'accuracy-steps', 'firing-rate', 'sin-ratio', 'sop', 'raster', 'traces-msat'];

before(async () => {
  results = await simulateFixture({ every: 100, steps: 32 });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 1));
  const t0 = performance.now();
  rendered = await renderReport(await readResults(dir), dir, { onWarning: (m) => assert.fail(`chart warning: ${m}`) });
  renderSeconds = (performance.now() - t0) / 1000;
});

/** width and height attributes of an SVG root. */
function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  assert.ok(m, `SVG root with width and height: ${svg.slice(0, 120)}`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

test('the fixture is a real simulation: 100 samples, 32 steps, traces only for MSAT', (t) => {
  assert.equal(results.runs.length, 3);
  for (const run of results.runs) {
    assert.equal(run.report.samples, 100);
    assert.equal(run.report.accuracyPerStep.length, 32);
  }
  assert.ok(results.annAccuracy > 0.95, `ANN accuracy ${results.annAccuracy}`);
  assert.deepEqual(
    results.runs.map((r) => r.traces.length),
    [0, 0, 6],
    'two neurons of each of the three spiking layers',
  );
  t.diagnostic(`rendered ${rendered.figures.length} figure files and report.html in ${renderSeconds.toFixed(1)} s`);
});

test('every chart is written as SVG and PNG, and no temporary file is left behind', () => {
  const expected = CHARTS.flatMap((c) => [join(dir, 'figures', `${c}.svg`), join(dir, 'figures', `${c}.png`)]);
  assert.deepEqual([...rendered.figures].sort(), [...expected].sort());
  for (const f of expected) assert.ok(existsSync(f), f);
  assert.equal(rendered.html, join(dir, 'report.html'));
  assert.deepEqual(readdirSync(dir).sort(), ['figures', 'report.html', 'results.json']);
  assert.deepEqual(
    readdirSync(join(dir, 'figures')).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.match(rendered.notes.join('\n'), /not recorded for θ = λ, θ = 0\.5·λ/);
});

test('SVGs parse and show every series; series charts name every converter, the trace chart every traced neuron', () => {
  const labels = results.runs.map((r) => r.converter.label);
  for (const chart of CHARTS) {
    const svg = readFileSync(join(dir, 'figures', `${chart}.svg`), 'utf8');
    const size = svgSize(svg);
    assert.ok(size.width > 300 && size.height > (chart === 'raster' ? 100 : 200), `${chart}: ${size.width}×${size.height}`);
    // resvg parses with a strict XML parser (roxmltree): malformed SVG throws
    const parsed = new Resvg(svg);
    assert.ok(parsed.width > 0 && parsed.height > 0, chart);
    // the picture says what it shows: model, data, samples and T in its subtitle
    assert.ok(svg.includes('mnist-cnn.onnx · mnist, test split · ') && svg.includes(' · T = 32<'), `${chart}: subtitle`);
    if (chart.startsWith('traces-') || chart === 'raster') {
      assert.ok(svg.includes('its first sample'), `${chart}: the traced sample`);
      for (const tr of results.runs[2].traces) assert.ok(svg.includes(`#${tr.neuron}`), `${chart}: neuron ${tr.neuron}`);
      if (chart === 'raster')
        assert.ok(svg.includes('>MSAT DTT+DET<') && svg.includes(CONVERTER_COLORS.msat), `${chart}: the traced converter, in its colour`);
      else
        assert.ok(svg.includes('membrane V') && svg.includes('threshold θ') && svg.includes('>activation units<'), `${chart}: legend and axis title`);
    } else {
      assert.ok(svg.includes('100 samples'), `${chart}: samples in the subtitle`);
      // one colour per converter, the same in every chart
      for (const id of ['const-1', 'const-0.5', 'msat'] as const) assert.ok(svg.includes(CONVERTER_COLORS[id]), `${chart}: colour of ${id}`);
      for (const label of labels) assert.ok(svg.includes(`>${label}<`), `${chart}: series "${label}"`);
    }
  }
  const accuracy = readFileSync(join(dir, 'figures', 'accuracy.svg'), 'utf8');
  assert.ok(accuracy.includes(`ANN ${(100 * results.annAccuracy).toFixed(2)} %`), 'ANN rule label');
  for (const tick of ['1', '2', '4', '8', '16', '32']) assert.ok(accuracy.includes(`>${tick}<`), `log-2 tick ${tick}`);
  assert.equal((accuracy.match(/class="mark-line role-mark/g) ?? []).length, results.runs.length, 'one line per converter');
  const layers = readFileSync(join(dir, 'figures', 'firing-rate.svg'), 'utf8');
  for (const l of results.runs[0].report.layers) assert.ok(layers.includes(`>${l.layer.replace(/^\//, '')}<`), `layer ${l.layer}`);
});

test('PNGs have the PNG signature, twice the SVG size, and drawn text (a font was found)', async () => {
  for (const chart of CHARTS) {
    const png = readFileSync(join(dir, 'figures', `${chart}.png`));
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, chart);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const svg = svgSize(readFileSync(join(dir, 'figures', `${chart}.svg`), 'utf8'));
    assert.ok(
      Math.abs(width - 2 * svg.width) <= 1 && Math.abs(height - 2 * svg.height) <= 1,
      `${chart}: ${width}×${height} vs SVG ${svg.width}×${svg.height}`,
    );
  }
  // Text only: if resvg found no font, the image stays white.
  const textOnly =
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="5" y="28" font-family="DejaVu Sans, sans-serif" font-size="24">θ = 0.5·λ</text></svg>';
  const { data, info } = await sharp(await renderPng(textOnly, { scale: 1 }))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (const v of data) if (v < 128) dark++;
  assert.ok(dark > 200, `only ${dark} dark pixels of ${info.width}×${info.height}: no font for PNG text (install fonts-dejavu-core)`);
});

test('report.html is self-contained: every chart inline, unique ids, no scripts, nothing fetched', () => {
  const html = readFileSync(rendered.html, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.equal((html.match(/<svg[\s>]/g) ?? []).length, CHARTS.length);
  for (const c of CHARTS) assert.ok(html.includes(`id="fig-${c}"`), c);
  assert.doesNotMatch(html, /<script|<iframe|<img|@import|<link rel="stylesheet"/i);
  // the only absolute URLs are XML namespace names, which are never fetched
  const urls = [...html.matchAll(/https?:\/\/[^\s"')<]+/g)].map((m) => m[0]);
  assert.deepEqual(
    [...new Set(urls)].filter((u) => !u.startsWith('http://www.w3.org/')),
    [],
  );
  assert.doesNotMatch(html, /(?:src|href)="(?:https?:)?\/\//);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique across inlined SVGs');
  for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), `url(#${m[1]}) points at an id of the page`);
  // the main figure comes before the tables, the tables before the other charts, provenance last
  const order = ['id="fig-accuracy"', 'id="tables"', 'id="fig-firing-rate"', 'id="provenance"'].map((s) => html.indexOf(s));
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );
});

test('report.html carries the header, the tables, the energy note and the provenance', () => {
  const html = readFileSync(rendered.html, 'utf8');
  const p = results.provenance;
  for (const text of [
    results.preset,
    `${(100 * results.annAccuracy).toFixed(2)} %`,
    'mnist-cnn.onnx',
    p.model.sha256,
    p.dataset.sha256,
    p.msatVersion,
    'The first energy column charges 0.9 pJ per synaptic operation',
    'Threshold and membrane traces were not recorded for θ = λ, θ = 0.5·λ.',
  ]) {
    assert.ok(html.includes(text), text);
  }
  if (p.gitCommit) assert.ok(html.includes(p.gitCommit));
  for (const run of results.runs) {
    const r = run.report;
    for (const t of [8, 16, 32]) assert.ok(html.includes(`>${(100 * r.accuracyPerStep[t - 1]).toFixed(2)}<`), `${run.converter.id} at T = ${t}`);
    assert.ok(html.includes(`>${formatEnergy(r.energyPerSampleJ)}<`), `${run.converter.id} energy`);
    assert.ok(html.includes(`>${formatEnergy(r.multiplyPerEventEnergyPerSampleJ)}<`), `${run.converter.id} MAC-per-event energy`);
  }
  // prose names what a number means, not the JSON field it came from
  assert.doesNotMatch(html, /PerSampleJ|accuracyPerStep|sopPerStep/);
});

test('early exit replayed on every run: the chart draws each fixed-T line, Pareto front and oracle; the table gives each oracle', () => {
  const svg = readFileSync(join(dir, 'figures', 'accuracy-steps.svg'), 'utf8');
  for (const text of ['mean time steps per sample', '>exit rules: Pareto front<', '>oracle<']) assert.ok(svg.includes(text), text);
  assert.ok(!svg.includes('>run with an exit rule<'), 'no run here has an exit rule');
  const html = readFileSync(rendered.html, 'utf8');
  assert.match(html, /<h3>Early exit<\/h3>/);
  assert.ok(!html.includes('id="fig-exit-steps"'), 'no exit-step histogram without a run with an exit rule');
  for (const run of results.runs) {
    const sweep = run.report.exitSweep;
    assert.ok(sweep && sweep.front.length > 0 && sweep.points.length >= sweep.front.length, run.converter.id);
    const oracle = `>${(100 * sweep.oracle.accuracy).toFixed(2)} <span class="sub">at ${sweep.oracle.meanSteps.toFixed(1)}</span><`;
    assert.ok(html.includes(oracle), `${run.converter.id}: ${oracle}`);
  }
});

test('table rows agree with the reports: accuracy at T, best, latency, SOP', () => {
  assert.deepEqual(tableSteps(32), [8, 16, 32]);
  assert.deepEqual(tableSteps(256), [8, 16, 32, 64, 128, 256]);
  assert.deepEqual(tableSteps(100), [8, 16, 32, 64, 100]);
  assert.deepEqual(tableSteps(4), [4]);
  for (const run of results.runs) {
    const r = run.report;
    const row = summarizeRun(run, [8, 16, 32, 64]);
    assert.deepEqual(row.accuracyAt, [r.accuracyPerStep[7], r.accuracyPerStep[15], r.accuracyPerStep[31], null]);
    assert.equal(row.bestAccuracy, r.bestAccuracy);
    assert.equal(r.accuracyPerStep[row.bestStep - 1], r.bestAccuracy);
    assert.equal(row.stepsToAnnMinus1, r.stepsToAnnMinus1);
    const sop = r.sopPerStep.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(row.sopPerSample - sop) <= 1e-9 * sop && Math.abs(row.sopPerStepMean - sop / 32) <= 1e-9 * sop);
  }
});

test('the chart functions are reusable: accuracy of any series, traces of any neurons; duplicate labels are refused', async () => {
  const series = [
    { label: 'default', accuracyPerStep: results.runs[2].report.accuracyPerStep },
    { label: 'tuned <best>', accuracyPerStep: results.runs[1].report.accuracyPerStep.slice(0, 16) },
  ];
  const svg = await renderSvg(accuracyChartSpec(series, results.annAccuracy, { xScale: 'linear', title: 'tuning' }));
  assert.ok(svg.includes('>default<') && svg.includes('>tuned &lt;best&gt;<'), 'labels, escaped');
  assert.ok(new Resvg(svg).width > 0);
  const traces = await renderSvg(traceChartSpec(results.runs[2].traces.slice(0, 2)));
  assert.ok(traces.includes(`#${results.runs[2].traces[0].neuron}`));
  assert.throws(
    () => accuracyChartSpec([series[0], { ...series[1], label: 'default' }], 0.9),
    (e: unknown) => isMsatError(e) && e.code === 'REPORT_SPEC' && /"default"/.test(e.message),
  );
});

test('a trace chart draws at most 12 neurons, spread over the layers', () => {
  const many = results.runs[2].traces.flatMap((tr) => [0, 1, 2, 3, 4].map((k) => ({ ...tr, neuron: tr.neuron + 100_000 * k })));
  const { figures } = reportFigureSpecs({ ...results, runs: results.runs.map((r, i) => (i === 2 ? { ...r, traces: many } : r)) });
  const traces = figures.find((f) => f.name === 'traces-msat')!;
  const shown = new Set((traces.spec as { data: { values: { neuron: string }[] } }).data.values.map((v) => v.neuron));
  assert.equal(shown.size, 12);
  for (const l of results.runs[2].report.layers) {
    assert.equal([...shown].filter((n) => n.startsWith(`${layerLabel(l.layer)} #`)).length, 4, `${l.layer}: ${[...shown].join(' / ')}`);
  }
  assert.match(traces.caption, /12 of the 30 traced neurons are shown/);
  assert.deepEqual(
    pickTraces([{ layer: 'a' }, { layer: 'b' }, { layer: 'c' }, { layer: 'd' }, { layer: 'e' }], 3).map((t) => t.layer),
    ['a', 'c', 'e'],
  );
});

test('without any traces the raster and trace charts are left out with a note', async () => {
  const untraced: ExperimentResults = { ...results, runs: results.runs.map((r) => ({ ...r, traces: [] })) };
  const out = join(root, 'untraced');
  const r = await renderReport(untraced, out);
  assert.ok(!r.figures.some((f) => f.includes('traces')));
  assert.equal(r.figures.length, 12);
  assert.match(readFileSync(r.html, 'utf8'), /no neuron was traced in this results file/);
});

test('a missing or malformed results.json is one clear error naming the file and the field', async () => {
  const bad = join(root, 'bad');
  mkdirSync(bad, { recursive: true });
  const file = join(bad, 'results.json');
  const expectError = async (pattern: RegExp) => {
    await assert.rejects(readResults(bad), (e: unknown) => {
      assert.ok(isMsatError(e), String(e));
      assert.equal(e.code, 'EXPERIMENT_RESULTS');
      assert.ok(e.message.startsWith(file), e.message);
      assert.match(e.message, pattern);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  };
  await expectError(/not found/);
  writeFileSync(file, '{"format": "msat-experiment", ');
  await expectError(/not valid JSON/);
  writeFileSync(file, JSON.stringify({ format: 'msat-snn', version: 1 }));
  await expectError(/not an msat experiment results file/);
  writeFileSync(file, JSON.stringify({ ...results, version: 2 }));
  await expectError(/version 2; this msat reads version 1/);
  writeFileSync(file, JSON.stringify({ ...results, runs: [] }));
  await expectError(/runs: is empty/);
  const broken = JSON.parse(JSON.stringify(results)) as { runs: { report: Record<string, unknown> }[] };
  broken.runs[1].report.accuracyPerStep = 'soon';
  writeFileSync(file, JSON.stringify(broken));
  await expectError(/runs\[1\]\.report\.accuracyPerStep: expected an array, got "soon"/);
  const noHash = JSON.parse(JSON.stringify(results)) as { provenance: { model: Record<string, unknown> } };
  delete noHash.provenance.model.sha256;
  writeFileSync(file, JSON.stringify(noHash));
  await expectError(/provenance\.model\.sha256: expected a string, got nothing/);
});

test('msat report: writes the report and says where; a missing folder exits 1 with one line', () => {
  const ok = runCli(['report', dir]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`wrote ${join(dir, 'report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(ok.stdout, /8 charts as SVG and PNG/);
  const missing = runCli(['report', join(root, 'nowhere')]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `msat: EXPERIMENT_RESULTS: ${join(root, 'nowhere', 'results.json')}: not found (msat experiment writes it)\n`);
});
