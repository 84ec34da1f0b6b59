/** `msat tune`: search neuron hyper-parameters, calibration percentile and layer scales; write the tuned SNN file and a report. */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type Command, Option } from 'commander';
import type { TuneReport, TuneObjective } from '../../tune/index.js';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import { addExitChoiceFlags, exitChosenOn, formatExitChoice, type ExitChoiceFlags } from '../exit-choice-flags.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { CALIB_EVERY_HELP } from '../neuron-flags.js';
import { parseFraction, parseNonNegativeInt, parseNonNegativeNumber, parseNumberList, parsePositiveInt, parsePositiveIntOrAuto } from '../parse.js';
import { createStagedProgress } from '../progress.js';

interface TuneFlags extends Omit<DatasetFlags, 'split' | 'limit' | 'every'>, ExitChoiceFlags<'train' | 'validation' | 'test'> {
  readonly model: string;
  readonly method: 'const' | 'dtt' | 'det' | 'msat';
  readonly steps: number;
  readonly checkT: number;
  readonly exit: boolean;
  readonly gamma: number;
  readonly finalists: number;
  readonly finalTolerance: number;
  readonly budget: number;
  readonly time?: number;
  readonly objective: TuneObjective['kind'];
  readonly margin: number;
  readonly energyWeight: number;
  readonly samples: number;
  readonly minSamples: number;
  readonly eta: number;
  readonly calibSamples: number;
  readonly calibEvery: number | 'auto';
  readonly channelWise?: boolean;
  readonly percentiles?: number[];
  readonly layerScales?: boolean;
  readonly seed: number;
  readonly out: string;
  readonly report?: string;
  readonly log?: string;
  readonly restart?: boolean;
  readonly chunk: number;
  readonly batch: number;
  readonly json?: boolean;
}

export function registerTune(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('tune')
    .description(
      'search MSAT hyper-parameters, calibration percentile and layer scales for the fewest steps to ANN − 1 %; writes the tuned SNN file and tune-report.json',
    )
    .requiredOption('--model <file>', 'ONNX model (ReLU network)');
  addDatasetFlags(command, { split: false })
    .addOption(
      new Option('--method <m>', 'neuron mode to tune: msat (DTT+DET), dtt, det, or const (θ = k·λ)')
        .choices(['const', 'dtt', 'det', 'msat'])
        .default('msat'),
    )
    .option('-T, --steps <n>', 'time steps simulated per trial (also --T)', parsePositiveInt, 64)
    .option(
      '--check-T <steps>',
      're-simulate the finalists this many steps and keep one that holds the ANN accuracy there (0 or ≤ -T: no check)',
      parseNonNegativeInt,
      256,
    )
    .option('--finalists <n>', 'finalists re-simulated to --check-T', parsePositiveInt, 3)
    .option('--final-tolerance <f>', 'accuracy gap to the ANN allowed at step --check-T, as a fraction', parseNonNegativeNumber, 0.003)
    .option('--gamma <n>', 'max spikes per neuron per step of the tuned neuron (1 = IF, > 1 = burst; not searched)', parsePositiveInt, 1)
    .option('--budget <n>', 'candidates evaluated in all (initial population + refinement)', parsePositiveInt, 32)
    .option('--time <seconds>', 'stop the search after this many seconds (the final comparison runs after it)', parsePositiveInt)
    .addOption(
      new Option('--objective <o>', 'latency: steps to ANN − margin (ties: higher AUC); auc: area under accuracy-vs-step; kl: KL(ANN ‖ SNN output)')
        .choices(['latency', 'auc', 'kl'])
        .default('latency'),
    )
    .option('--margin <m>', 'latency objective: accuracy gap to the ANN, as a fraction', parseFraction, 0.01)
    .option('--energy-weight <w>', 'add w × (synaptic operations per step ÷ ANN MACs) to latency/auc scores', parseNonNegativeNumber, 0)
    .option('--samples <n>', 'held-out training samples to tune on (the last halving rung)', parsePositiveInt, 432)
    .option('--min-samples <n>', 'fewest samples of the first halving rung', parsePositiveInt, 48)
    .option('--eta <n>', 'successive halving keeps the best 1/eta per rung', parsePositiveInt, 3)
    .option('--calib-samples <n>', 'calibrate λ on N training samples (never tuned on)', parsePositiveInt, 200)
    .option('--calib-every <k>', CALIB_EVERY_HELP, parsePositiveIntOrAuto, 'auto')
    .option('--channel-wise', 'one λ per channel instead of per layer')
    .option(
      '--percentiles <list>',
      'calibration percentiles to choose from (must include 1; default 1,0.99999,0.9999,0.9995,0.999,0.995,0.99)',
      parseNumberList,
    )
    .option('--layer-scales', 'also search one λ scale per spiking layer (in [0.59, 1.68])')
    .option('--seed <s>', 'seed of the held-out split and the candidate draws', parseNonNegativeInt, 0)
    .option('--out <file>', 'tuned SNN file to write (for msat simulate --snn)', 'tuned.snn.json')
    .option('--report <file>', 'search report to write (default: --out with .tune-report.json)')
    .option('--log <file>', 'trial log for resuming (default: --out with .trials.jsonl)')
    .option('--restart', 'discard an existing trial log instead of resuming it')
    .option('--chunk <k>', 'time steps per onnxruntime run', parsePositiveInt, 16)
    .option('--batch <n>', 'samples per simulator batch', parsePositiveInt, 64)
    .option('--json', 'print the report as one JSON object on stdout')
    .option('--no-exit', 'do not choose an early-exit rule for the tuned neuron (one more simulation on held-out samples)');
  addExitChoiceFlags(command, ['validation', 'train', 'test'], 'validation where there is one, else train').action(async (flags: TuneFlags) => {
    const [{ Runner }, { tuneModel, createTunedSnnFile }, { writeSnnFile }] = await Promise.all([
      import('../../runtime/index.js'),
      import('../../tune/index.js'),
      import('../../convert/index.js'),
    ]);
    const runner = new Runner(runnerOptions(globals()));
    const started = performance.now();
    const deadline = flags.time !== undefined ? started + flags.time * 1000 : Infinity;
    // Named after --out, so several tunings can share a folder.
    const stem = flags.out.replace(/(\.snn)?\.json$/, '');
    const reportPath = flags.report ?? `${stem}.tune-report.json`;
    const logPath = flags.log ?? `${stem}.trials.jsonl`;
    const { assertDistinctPaths } = await import('../../core/index.js');
    assertDistinctPaths({ 'tuned SNN file': flags.out, report: reportPath, 'trial log': logPath }, { model: flags.model });
    const objective: TuneObjective =
      flags.objective === 'latency'
        ? { kind: 'latency', margin: flags.margin, energyWeight: flags.energyWeight }
        : flags.objective === 'auc'
          ? { kind: 'auc', energyWeight: flags.energyWeight }
          : { kind: 'kl' };
    const progress = createStagedProgress();
    try {
      const result = await tuneModel({
        model: flags.model,
        data: flags.data,
        mean: flags.mean,
        std: flags.std,
        method: flags.method,
        steps: flags.steps,
        checkSteps: flags.checkT,
        gamma: flags.gamma,
        finalists: flags.finalists,
        finalTolerance: flags.finalTolerance,
        objective,
        budget: flags.budget,
        samples: flags.samples,
        minSamples: flags.minSamples,
        eta: flags.eta,
        calibrationSamples: flags.calibSamples,
        calibrationEvery: flags.calibEvery,
        channelWise: flags.channelWise ?? false,
        percentiles: flags.percentiles,
        layerScales: flags.layerScales ?? false,
        seed: flags.seed,
        exit: flags.exit,
        exitSplit: flags.exitSplit,
        exitSamples: flags.exitSamples,
        evalEvery: flags.evalEvery,
        exitLevel: flags.exitLevel,
        log: logPath,
        restart: flags.restart ?? false,
        shouldStop: () => performance.now() > deadline,
        clock: () => performance.now() / 1000,
        chunk: flags.chunk,
        batchSize: flags.batch,
        workers: globals().workers,
        runner,
        onProgress: (stage, done, total) => progress.update(stage, done, total, stage === 'search' ? 'sample-trials' : 'samples'),
      });
      progress.stop();
      const doc = createTunedSnnFile({
        model: { path: flags.model, sha256: result.modelSha256 },
        calibration: result.calibration,
        plan: result.plan,
        options: {
          neuron: result.best.neuron,
          normalization: result.normalization,
          thresholds: {
            kind: 'calibrate',
            samples: flags.calibSamples,
            every: result.calibrationEvery,
            percentile: result.best.percentile,
            channelWise: flags.channelWise ?? false,
          },
          ...(result.exit?.rule ? { exit: result.exit.rule, exitChosenOn: exitChosenOn(result.exit) } : {}),
          tune: {
            percentile: result.best.percentile,
            layerScales: result.report.best.config.layerScales,
            objective,
            T: flags.steps,
            checkT: result.report.check?.T ?? null,
            score: result.bestScore,
            seed: flags.seed,
          },
        },
        provenance: {
          msatVersion: program.version() ?? 'unknown',
          createdAt: new Date().toISOString(),
          command: ['msat', ...process.argv.slice(2)].join(' '),
          dataset: { path: flags.data, split: 'train', samples: flags.calibSamples, every: result.calibrationEvery },
        },
      });
      await writeSnnFile(flags.out, doc);
      const seconds = (performance.now() - started) / 1000;
      const report = {
        ...result.report,
        provenance: { command: doc.provenance.command, createdAt: doc.provenance.createdAt, msatVersion: doc.provenance.msatVersion, seconds },
      };
      await mkdir(dirname(reportPath), { recursive: true });
      await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
      const chart = await writeTuneChart(result.report, reportPath);
      process.stdout.write(
        flags.json
          ? JSON.stringify(report) + '\n'
          : `${formatTuneReport(result.report)}\n\nwrote ${flags.out}, ${reportPath}, ${chart} (trial log ${logPath}); ${seconds.toFixed(0)} s\n`,
      );
    } finally {
      progress.stop();
      await runner.dispose();
    }
  });
}

/** The accuracy-vs-step chart of the best, the defaults and θ = λ on the tuning samples, as SVG and PNG beside the report. */
async function writeTuneChart(r: TuneReport, reportPath: string): Promise<string> {
  const [{ accuracyChartSpec, renderSvg, renderPng }, { writeFileAtomic }] = await Promise.all([
    import('../../report/index.js'),
    import('../../core/index.js'),
  ]);
  const c = r.comparison;
  const chart = accuracyChartSpec([c.best, c.defaults, c.thetaLambda], c.annAccuracy);
  // as every report chart: the picture says which model, data, samples and T it shows
  const subtitle = `${basename(r.model.path)} · ${basename(r.data)}, training split · ${c.samples} held-out samples · T = ${c.best.accuracyPerStep.length}`;
  const svg = await renderSvg({ ...chart, title: { text: 'msat tune: the tuned neuron against the defaults and θ = λ', subtitle } } as typeof chart);
  const stem = reportPath.replace(/\.json$/, '');
  await writeFileAtomic(`${stem}.svg`, svg);
  await writeFileAtomic(`${stem}.png`, await renderPng(svg));
  return `${stem}.svg/.png`;
}

const pct = (v: number) => (100 * v).toFixed(2).padStart(6);

/** The human-readable summary of `msat tune`. */
export function formatTuneReport(r: TuneReport): string {
  const c = r.comparison;
  const T = r.T;
  const marks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].filter((t) => t <= T);
  if (marks[marks.length - 1] !== T) marks.push(T);
  const best = r.best.config;
  const lines = [
    `tuned ${r.method} on ${c.samples} held-out training samples of ${r.data}, T = ${T}, objective ${r.objective.kind}` +
      `${r.stopped ? ' (stopped by --time)' : ''}; ${r.evaluations.simulated} evaluations simulated, ${r.evaluations.resumed} resumed from the log`,
    '',
    'best configuration',
    best.method === 'const'
      ? `  k = ${best.k}`
      : `  hp α,ka,ki,C,τmp,τrd = ${Object.values(best.hp!)
          .map((v) => Number(v.toPrecision(4)))
          .join(',')}`,
    ...(best.gamma !== undefined ? [`  γ = ${best.gamma} spikes per step at most (burst)`] : []),
    `  percentile p = ${best.percentile}`,
    ...(best.layerScales
      ? [
          `  layer scales: ${Object.entries(best.layerScales)
            .map(([l, s]) => `${l} ${s.toFixed(3)}`)
            .join(', ')}`,
        ]
      : []),
    ...(r.best.coordinates
      ? [
          `  searched as: ${Object.entries(r.best.coordinates)
            .map(([k, v]) => `${k} ${k === 'percentile' ? v : Number(v.toPrecision(3))}`)
            .join(', ')}`,
        ]
      : []),
    '',
    `${'converter'.padEnd(22)}${marks.map((t) => `T=${t}`.padStart(8)).join('')}  to ANN−1%`,
    `${'ANN'.padEnd(22)}${pct(c.annAccuracy).padStart(8)}`,
  ];
  for (const curve of [c.best, c.defaults, c.thetaLambda]) {
    lines.push(
      `${curve.label.padEnd(22)}${marks.map((t) => pct(curve.accuracyPerStep[t - 1]).padStart(8)).join('')}  ${String(curve.stepsToAnnMinus1 ?? `> ${T}`).padStart(9)}`,
    );
  }
  if (r.check) {
    const k = r.check;
    lines.push('', `finalists simulated to T = ${k.T} until one ends within ${(100 * k.finalTolerance).toFixed(1)} points of the ANN:`);
    for (const f of k.finalists) {
      lines.push(
        `  ${f.id.padEnd(12)} search score ${f.searchScore.toFixed(2).padStart(7)}  to ANN−1% ${String(f.stepsToTarget ?? '–').padStart(4)}  at T=${k.T} ${pct(f.finalAccuracy)} %  ${f.passes ? 'holds' : 'drifts'}`,
      );
    }
    if (!k.passed) {
      // The defaults are always checked last; when they end below the ANN too, the tolerance may be what fails.
      const defaults = k.finalists.find((f) => f.id === 'defaults');
      const hint = defaults
        ? `; the authors' values end ${(100 * (defaults.annAccuracy - defaults.finalAccuracy)).toFixed(2)} points below the ANN there, a --final-tolerance above that accepts what they reach`
        : '';
      lines.push(
        `warning: no finalist kept the ANN's accuracy to T = ${k.T}; kept the best-scoring one there (try --finalists, a larger -T or --budget${hint})`,
      );
    }
  }
  if (r.exit) lines.push('', formatExitChoice(r.exit, 'the tuned neuron', 'the tuned file'));
  return lines.join('\n');
}
