/** `msat simulate`: convert a model and measure its SNN for T steps (accuracy per step, latency, rates, energy). */
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { assertDistinctPaths, assertWritableFolder, MsatError } from '../../core/index.js';
import type { ConvertedSnn } from '../../index.js';
import type { SimulationReport } from '../../pipeline/index.js';
import { addDatasetFlags, type DatasetFlags } from '../dataset-flags.js';
import { runnerOptions, type GlobalOptions } from '../global-options.js';
import { addCalibrationFlags, addNeuronFlags, calibrationOptions, neuronConfig, type CalibrationFlags, type NeuronFlags } from '../neuron-flags.js';
import { parseNonNegativeInt, parseNumberList, parsePositiveInt } from '../parse.js';
import { createStagedProgress } from '../progress.js';
import { parseShardFlag, SHARD_HELP } from '../shard-flag.js';

interface SimulateFlags extends Omit<DatasetFlags, 'split'>, CalibrationFlags, NeuronFlags {
  readonly split?: 'train' | 'test';
  readonly model: string;
  readonly snn?: string;
  readonly steps: number;
  readonly sc?: true | number[];
  readonly encoding: 'direct' | 'poisson';
  readonly seed: number;
  readonly chunk?: number;
  readonly exit?: string;
  readonly batch: number;
  readonly shard?: { index: number; count: number };
  readonly json?: boolean;
  readonly out?: string;
}

export function registerSimulate(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('simulate')
    .description('convert a model to an SNN and simulate it for T steps: accuracy per step, latency to the ANN, firing rates, SOP and energy')
    .requiredOption('--model <file>', 'ONNX model (ReLU network)');
  addDatasetFlags(command, { validation: false });
  addCalibrationFlags(command).option('--snn <file>', 'reuse the thresholds of `msat convert --out` instead of calibrating');
  addNeuronFlags(command)
    .requiredOption('-T, --steps <n>', 'time steps to simulate (also --T)', parsePositiveInt)
    .option(
      '--sc [list]',
      'spike confidence: measured from SIN statistics (c = 1 − SIN ratio of the last spiking layer), or one value per spiking layer',
      parseNumberList,
    )
    .addOption(new Option('--encoding <e>', 'input encoding').choices(['direct', 'poisson']).default('direct'))
    .option('--seed <s>', 'seed of Poisson noise and spike-confidence draws', parseNonNegativeInt, 0)
    .option('--chunk <k>', 'time steps per onnxruntime run (default 16; 4 with an --exit rule that can stop a sample early)', parsePositiveInt)
    .option(
      '--exit <rule>',
      'early exit: each sample stops when its readout is settled, e.g. confidence:0.99,min:2 (keys: confidence, margin, stable, mode all|any, min, max, decay; see README), or snn: the rule the --snn file records',
    )
    .option('--batch <n>', 'samples per batch', parsePositiveInt, 64)
    .option('--shard <K/N>', SHARD_HELP, parseShardFlag)
    .option('--json', 'print one JSON object on stdout')
    .option('--out <dir>', 'also write results.json and the SNN file (snn.json) there, for `msat report <dir>`')
    .action(async (flags: SimulateFlags, cmd: Command) => {
      const { ConvertedSnn, convert } = await import('../../index.js');
      const startedAt = new Date().toISOString();
      // a bad rule is refused before any calibration; `snn`: the rule the SNN file records
      const exit = flags.exit === undefined || flags.exit === 'snn' ? undefined : (await import('../../index.js')).parseExitRule(flags.exit);
      if (flags.exit === 'snn' && flags.snn === undefined)
        throw new MsatError('SNN_OPTIONS', '--exit snn takes the rule of the SNN file: give --snn');
      if (flags.exit === 'snn' && (flags.split ?? 'test') === 'test') {
        const { checkExitHoldout, snnFileDefaults } = await import('../../pipeline/index.js');
        checkExitHoldout(await snnFileDefaults(flags.snn!), flags.snn!, flags.every ?? 1);
      }
      if (flags.out !== undefined) {
        assertWritableFolder(flags.out);
        assertDistinctPaths(
          { 'SNN file': join(flags.out, 'snn.json'), results: join(flags.out, 'results.json') },
          { model: flags.model, snn: flags.snn },
        );
      }
      const progress = createStagedProgress();
      // With --snn, the file's neuron config and normalisation (e.g. from `msat tune`) are the defaults; neuron
      // flags given on the command line still win.
      const given = Object.fromEntries(Object.entries(neuronConfig(flags)).filter(([k]) => cmd.getOptionValueSource(k) === 'cli'));
      const snn = await (flags.snn
        ? ConvertedSnn.load(flags.snn, { model: flags.model, mean: flags.mean, std: flags.std, ...runnerOptions(globals()) })
        : convert(flags.model, {
            calibration: calibrationOptions(flags, flags.data),
            neuron: neuronConfig(flags),
            mean: flags.mean,
            std: flags.std,
            ...runnerOptions(globals()),
            onProgress: (done, total) => progress.update('calibrate', done, total),
          }));
      try {
        const report = await snn.simulate(flags.data, {
          T: flags.steps,
          neuron: given,
          split: flags.split,
          limit: flags.limit,
          every: flags.every,
          shard: flags.shard,
          encoding: flags.encoding,
          seed: flags.seed,
          confidence: flags.sc === undefined ? { kind: 'off' } : flags.sc === true ? { kind: 'measure' } : { kind: 'given', values: flags.sc },
          chunk: flags.chunk,
          batchSize: flags.batch,
          workers: globals().workers,
          // the report draws membrane and threshold traces of a few neurons
          traceNeurons: flags.out !== undefined ? 3 : undefined,
          exit: flags.exit === 'snn' ? snnExit(snn, flags.snn!) : exit,
          onProgress: progress.update,
        });
        progress.stop();
        process.stdout.write(flags.json ? JSON.stringify(report) + '\n' : formatReport(report) + '\n');
        if (flags.out !== undefined) {
          await writeRunResults({ ...flags, out: flags.out }, snn, report, { startedAt, threads: globals().threads });
          if (!flags.json) process.stdout.write(`\nresults: ${join(flags.out, 'results.json')}; render them with: msat report ${flags.out}\n`);
        }
      } finally {
        progress.stop();
        await snn.dispose();
      }
    });
}

/** The exit rule an SNN file records (`--exit snn`). */
function snnExit(snn: ConvertedSnn, path: string): NonNullable<ConvertedSnn['exit']> {
  if (!snn.exit) throw new MsatError('SNN_FILE', `${path} records no exit rule (msat tune writes one); give one with --exit`);
  return snn.exit;
}

/** `--out`: the SNN file and the results file of the run, in the experiment format `msat report` reads. */
async function writeRunResults(
  flags: SimulateFlags & { out: string },
  snn: ConvertedSnn,
  report: SimulationReport,
  run: { startedAt: string; threads: number },
): Promise<void> {
  const [{ openDataset }, experiment] = await Promise.all([import('../../data/index.js'), import('../../experiment/index.js')]);
  const command = ['msat', ...process.argv.slice(2)].join(' ');
  // the document written, without reading it back
  const file = snn.snnFile({ command });
  await snn.save(join(flags.out, 'snn.json'), { command });
  // the split's folder, as the simulation resolved it (shortcuts included), for the provenance hash
  const dataset = await openDataset(flags.data, { split: flags.split, limit: 1 });
  const results = await experiment.singleRunResults(report, {
    command,
    startedAt: run.startedAt,
    threads: run.threads,
    modelSha256: file.model.sha256,
    datasetRoot: dataset.root,
    every: flags.every ?? 1,
    limit: flags.limit ?? null,
    calibration: {
      samples: file.calibration.samples,
      percentile: file.calibration.percentile,
      ...(file.provenance?.dataset?.every ? { every: file.provenance.dataset.every } : {}),
    },
  });
  await experiment.writeResults(join(flags.out, 'results.json'), results);
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** The human-readable table of `msat simulate`. */
export function formatReport(r: SimulationReport): string {
  const lines = [`${r.method}, ${r.encoding} input, T = ${r.T}, ${r.samples} samples of ${r.data} (${r.split})`, '', 'steps  accuracy'];
  for (let t = 1; t <= r.T; t *= 2) lines.push(`${String(t).padStart(5)}  ${pct(r.accuracyPerStep[t - 1])}`);
  if ((r.T & (r.T - 1)) !== 0) lines.push(`${String(r.T).padStart(5)}  ${pct(r.accuracyPerStep[r.T - 1])}`);
  lines.push(
    '',
    `ANN accuracy            ${pct(r.annAccuracy)}`,
    `best SNN accuracy       ${pct(r.bestAccuracy)}`,
    `steps to ANN − 1 %      ${r.stepsToAnnMinus1 ?? `not within ${r.T}`}`,
    `steps to ANN − 0.5 %    ${r.stepsToAnnMinus05 ?? `not within ${r.T}`}`,
    '',
    'spiking layer                              firing rate  SIN ratio (t = ' +
      r.sinStep +
      ')  rate·λ vs ANN (Pearson)' +
      (r.confidence ? '  confidence' : ''),
  );
  for (const l of r.layers) {
    lines.push(
      // with early exit, no sample may still run at the SIN step: then there is no ratio
      `${l.layer.padEnd(42)} ${l.firingRate.toFixed(4).padStart(11)}  ${(l.sin + l.pos > 0 ? l.sinRatio.toFixed(4) : '—').padStart(19)}  ${l.rateCorrelation.toFixed(4).padStart(23)}` +
        (r.confidence ? `  ${r.confidence[l.layer].toFixed(3).padStart(10)}` : ''),
    );
  }
  lines.push('', ...exitLines(r));
  const sop = r.sopPerStep.reduce((a, b) => a + b, 0);
  lines.push(
    '',
    `synaptic operations     ${(sop / (r.exit?.meanSteps ?? r.T) / 1e6).toFixed(3)} M per step per sample (+ ${(r.analogMacsPerStep / 1e6).toFixed(3)} M MACs of the analog first layer)`,
    ...energyLines(r),
    `time                    ${r.seconds.toFixed(1)} s`,
  );
  return lines.join('\n');
}

/**
 * With an exit rule: what it gave. Without one: the offline sweep's best rule of each family that reaches
 * ANN − 1 % (if any does) and the oracle, beside the fixed-T latency above.
 */
function exitLines(r: SimulationReport): string[] {
  const steps = (v: number) => v.toFixed(1);
  if (r.exit) {
    const e = r.exit;
    return [
      `early exit              ${e.rule}`,
      `accuracy with exit      ${pct(e.accuracy)} after ${steps(e.meanSteps)} steps on average (median ${e.medianSteps}, 95 % by ${e.p95Steps}; ${steps(e.computedSteps)} computed)`,
    ];
  }
  if (!r.exitSweep) return [];
  const target = r.annAccuracy - 0.01;
  const lines = [
    `early exit, replayed on this run (fewest mean steps at ANN − 1 % = ${pct(target)}; --exit to run one):`,
    `  oracle                ${pct(r.exitSweep.oracle.accuracy)} after ${steps(r.exitSweep.oracle.meanSteps)} steps (each sample stops once its answer stays right)`,
  ];
  for (const family of [...new Set(r.exitSweep.points.map((p) => p.family))]) {
    const best = r.exitSweep.points
      .filter((p) => p.family === family && p.accuracy >= target)
      .sort((a, b) => a.meanSteps - b.meanSteps || b.accuracy - a.accuracy)[0];
    lines.push(
      `  ${family.padEnd(20)}  ${best ? `${pct(best.accuracy)} after ${steps(best.meanSteps)} steps: --exit ${best.rule}` : 'does not reach it'}`,
    );
  }
  return lines;
}

/** Energy per sample, the figure that fits the neuron first: binary spikes cost an AC, real-valued events a MAC. */
function energyLines(r: SimulationReport): string[] {
  const uj = (j: number) => `${(j * 1e6).toFixed(3)} µJ`;
  const ann = `ANN ${uj(r.annEnergyPerSampleJ)}`;
  if (r.neuron.method === 'const') {
    return [`energy per sample       ${uj(r.energyPerSampleJ)} (1 AC per spike: spikes are binary, scaled by a constant θ); ${ann}`];
  }
  return [
    `energy per sample       ${uj(r.multiplyPerEventEnergyPerSampleJ)} (1 MAC per event: events carry a real value s·θ(t), so the receiving synapse multiplies); ${ann}`,
    `                        ${uj(r.energyPerSampleJ)} if each event cost 1 AC, as a binary spike would`,
  ];
}
