/**
 * What the paper's ImageNet table would cost: the simulator's speed on ImageNet-size ResNet-18 and VGG-16
 * (224×224, torchvision's layouts, random weights: onnxruntime's dense operators take the same time whatever
 * the weights and spikes), in sample-steps per second for θ = λ and MSAT (DTT+DET) on 1 and 2 threads, against
 * the ANN's forward pass, with onnxruntime's profile of one simulation summed per operator kind (convolutions
 * and linear layers, pooling, the neurons' elementwise ops, layout and copies) and the time to read and decode
 * one 224×224 JPEG. docs/SCALING.md turns these numbers into machine-hours.
 *
 * Run: `npm run bench:scaling` or `node --import tsx bench/scaling.bench.ts [models] [B] [T] [rounds]` (defaults:
 * resnet18,vgg16, batch 2, T = 4 steps in one chunk, 2 rounds; median and best round). The ONNX files (VGG-16 is
 * 528 MB) are written on first use into .cache/bench-models/ by scripts/export-imagenet-nets.py (Debian's
 * python3-torch and python3-onnx, `/usr/bin/python3`). λ come from calibrating on the ImageNet validation images
 * of the lossless-samples folder (.cache/datasets/lossless/imagenet_*.jpg) when it is there, else λ = 1.
 * About 4 minutes on 2 cores.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../src/core/index.js';
import { calibrate, foldBatchNorms } from '../src/convert/index.js';
import { openDataset } from '../src/data/index.js';
import { layerMacs, loadNetwork, networkToOnnxBytes, type Network } from '../src/model/index.js';
import { Runner } from '../src/runtime/index.js';
import { BatchSimulator, createRng } from '../src/snn/index.js';
import { median, METHODS } from './setup.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODELS_DIR = join(ROOT, '.cache', 'bench-models');
const LOSSLESS = join(ROOT, '.cache', 'datasets', 'lossless');
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

const models = (process.argv[2] || 'resnet18,vgg16').split(',');
const B = Number(process.argv[3] ?? 2);
const T = Number(process.argv[4] ?? 4);
const rounds = Number(process.argv[5] ?? 2);
const THREADS = [1, 2];

/** onnxruntime operator types by what they are in the SNN: the synaptic work, pooling, or the rest. */
const KIND_OF: Record<string, string> = {
  Conv: 'conv/linear',
  FusedConv: 'conv/linear',
  NchwcConv: 'conv/linear',
  Gemm: 'conv/linear',
  FusedGemm: 'conv/linear',
  MatMul: 'conv/linear',
  FusedMatMul: 'conv/linear',
  MaxPool: 'pool',
  AveragePool: 'pool',
  NchwcAveragePool: 'pool',
  NchwcMaxPool: 'pool',
  GlobalAveragePool: 'pool',
  ReorderInput: 'layout/copy',
  ReorderOutput: 'layout/copy',
  Reshape: 'layout/copy',
  Transpose: 'layout/copy',
  Concat: 'layout/copy',
  Slice: 'layout/copy',
  Split: 'layout/copy',
  Squeeze: 'layout/copy',
  Unsqueeze: 'layout/copy',
  Flatten: 'layout/copy',
  Identity: 'layout/copy',
  Expand: 'layout/copy',
  Gather: 'layout/copy',
};
const kindOf = (op: string) => KIND_OF[op] ?? 'elementwise (neurons)';

function modelPath(name: string): string {
  const path = join(MODELS_DIR, `${name}-imagenet.onnx`);
  if (!existsSync(path)) {
    console.log(`writing ${path} (scripts/export-imagenet-nets.py) ...`);
    execFileSync('/usr/bin/python3', [join(ROOT, 'scripts', 'export-imagenet-nets.py'), MODELS_DIR, name], { stdio: 'inherit' });
  }
  return path;
}

/** λ per relu layer: calibrated (max) on the lossless ImageNet images if present, else 1; and the JPEG decode time. */
async function lambdasOf(
  network: Network,
  runner: Runner,
): Promise<{ lambdas: Map<string, number | Float32Array>; source: string; decodeMs?: number }> {
  const relus = network.layers.filter((l) => l.kind === 'relu');
  const hasImages = existsSync(LOSSLESS) && readdirSync(LOSSLESS).some((f) => f.startsWith('imagenet_'));
  if (!hasImages) return { lambdas: new Map(relus.map((l) => [l.name, 1])), source: 'λ = 1 (no lossless ImageNet images)' };
  const data = await openDataset(join(LOSSLESS, 'imagenet'), { mean: IMAGENET_MEAN, std: IMAGENET_STD, imageSize: 224, centerCrop: true });
  // reading and decoding alone, one image at a time, after a first pass that warms the file cache
  for await (const _ of data.batches(1));
  const t = performance.now();
  for await (const _ of data.batches(1));
  const decodeMs = (performance.now() - t) / data.length;
  const calibration = await calibrate(network, data, runner, { batchSize: 2 });
  const lambdas = new Map(calibration.layers.map((l) => [l.relu, l.lambda] as [string, number | Float32Array]));
  return { lambdas, source: `calibrated (max) on ${data.length} lossless ImageNet validation images`, decodeMs };
}

function randomBatch(network: Network): Tensor<'float32'> {
  const rng = createRng(1);
  const dims = [B, ...(network.inputs[0].dims.slice(1) as number[])];
  return { type: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => rng.nextFloat() * 2 - 1) };
}

/** The ANN's forward pass of the batch on `runner`, ms (median of 3 after a warm-up). */
async function annMs(network: Network, runner: Runner, x: Tensor<'float32'>): Promise<number> {
  const ann = await runner.session(runner.keyOf(network, 'bench-ann'), () => networkToOnnxBytes(network));
  const ts: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    await ann.run({ [network.inputs[0].name]: x });
    ts.push(performance.now() - t);
  }
  return median(ts.slice(1));
}

function simulator(network: Network, lambdas: Map<string, number | Float32Array>, runner: Runner, method: number): BatchSimulator {
  // the simulation alone: the ANN run `simulate` adds for SIN and the ANN's accuracy is timed separately
  return new BatchSimulator(network, lambdas, runner, { steps: T, dynamics: METHODS[method][1], chunk: T, batchSize: B, compareWithAnn: false });
}

/** Sums onnxruntime profile files (Chrome traces) per operator kind, in ms. */
function profileByKind(files: string[]): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const f of files) {
    const events = JSON.parse(readFileSync(f, 'utf8')) as { cat?: string; dur?: number; args?: { op_name?: string } }[];
    for (const e of events) {
      if (e.cat !== 'Node' || !e.args?.op_name) continue;
      const kind = kindOf(e.args.op_name);
      byKind.set(kind, (byKind.get(kind) ?? 0) + (e.dur ?? 0) / 1000);
    }
  }
  return byKind;
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;

for (const name of models) {
  const path = modelPath(name);
  const { network } = foldBatchNorms(await loadNetwork(path));
  const macs = network.layers.reduce((a, l) => a + layerMacs(l), 0);
  const x = randomBatch(network);
  const labels = Int32Array.from({ length: B }, (_, i) => i);
  const calibRunner = new Runner({ threads: 2 });
  const { lambdas, source, decodeMs } = await lambdasOf(network, calibRunner);
  await calibRunner.dispose();
  console.log(`\n${name} (${path}): batch ${B}, T = ${T} in one chunk, ${rounds} rounds; ${source}`);
  if (decodeMs !== undefined) console.log(`read + decode + resize + normalize one 224×224 JPEG: ${decodeMs.toFixed(1)} ms`);
  console.log('threads  method  ANN ms/sample  compile s  sim ms/sample-step (best)  sample-steps/s  per core  ratio to ANN');
  for (const threads of THREADS) {
    const runner = new Runner({ threads });
    const ann = (await annMs(network, runner, x)) / B;
    for (let m = 0; m < METHODS.length; m++) {
      const sim = simulator(network, lambdas, runner, m);
      let t = performance.now();
      await sim.run(x, labels); // compiles the chunk graph
      const compileS = (performance.now() - t) / 1000;
      const ms: number[] = [];
      for (let r = 0; r < rounds; r++) {
        t = performance.now();
        await sim.run(x, labels);
        ms.push((performance.now() - t) / (B * T));
      }
      const step = median(ms);
      console.log(
        [
          String(threads).padStart(7),
          METHODS[m][0].padEnd(6),
          ann.toFixed(1).padStart(13),
          compileS.toFixed(1).padStart(9),
          `${step.toFixed(1)} (${Math.min(...ms).toFixed(1)})`.padStart(25),
          (1000 / step).toFixed(2).padStart(14),
          (1000 / step / threads).toFixed(2).padStart(8),
          (step / ann).toFixed(2).padStart(12),
        ].join('  '),
      );
      await sim.dispose();
    }
    await runner.dispose();
  }
  // where the time goes: one thread, one profiled simulation per method (the compiling run included)
  for (let m = 0; m < METHODS.length; m++) {
    const dir = join(ROOT, '.cache', 'bench-profile');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const runner = new Runner({ threads: 1, profileFilePrefix: join(dir, 'sim') });
    const sim = simulator(network, lambdas, runner, m);
    await sim.run(x, labels);
    await sim.run(x, labels);
    await sim.dispose();
    await runner.dispose();
    const byKind = profileByKind(readdirSync(dir).map((f) => join(dir, f)));
    const total = [...byKind.values()].reduce((a, v) => a + v, 0);
    const parts = [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v, total)}`);
    console.log(`profile, 1 thread, ${METHODS[m][0]}: ${parts.join(', ')} (of ${(total / 1000).toFixed(1)} s in operators)`);
  }
  console.log(`${name}: ${(macs / 1e9).toFixed(2)} GMAC per sample per step`);
}
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(1)} GiB`);
