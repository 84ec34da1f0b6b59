/**
 * One SNN of the page: exported with msat's own exporter (the stateful ONNX, one step per call, and its ANN)
 * and described from its SNN file (converter settings, provenance) and the exported model's `msat.snn` contract.
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { MsatError } from '../core/index.js';
import { readSnnFile } from '../convert/index.js';
import type { SnnOnnxContract } from '../export/index.js';
import { readModelMetadata, type ModelMetadata } from '../model/index.js';
import { readOnnxModel } from '../onnx/index.js';
import { snnOptionsDefaults } from '../pipeline/index.js';
import { DEFAULT_NEURON_CONFIG, describeMethod, formatExitRule, type NeuronConfig } from '../snn/index.js';
import type { ManifestSnn } from './page/manifest.js';
import { spikeCountLayer } from './page/neuron-picks.js';

/** An SNN file to show, and how to export it (`ConvertedSnn.export` with the file's own converter). */
export interface PlaygroundSnnSource {
  /** The SNN file (`msat convert --out`, `msat tune --out`). */
  readonly path: string;
  /** Writes the SNN (`onnx`: one step per call, direct encoding) or its calibrated ANN (`onnx-ann`) to `file`. */
  readonly export: (file: string, format: 'onnx' | 'onnx-ann') => Promise<void>;
}

/** What the builder learns from an SNN beyond its manifest entry. */
export interface SiteSnn {
  readonly entry: ManifestSnn;
  readonly inputDims: readonly number[];
  /** The model's msat metadata (normalisation, class names, dataset, …), read against its schema. */
  readonly metadata: ModelMetadata;
  /** The SNN file's normalisation, if it records one. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/**
 * Exports `source` into `dir/models/` as `<id>.onnx` and `<id>.ann.onnx` and describes it. SNNs of one model
 * share one ANN file (the folded ANN does not depend on λ or the converter): `anns` maps the model's SHA-256
 * (recorded in the SNN file) to the URL of its ANN once written.
 */
export async function siteSnn(source: PlaygroundSnnSource, id: string, dir: string, label: string, anns: Map<string, string>): Promise<SiteSnn> {
  const file = await readSnnFile(source.path);
  const defaults = snnOptionsDefaults(file.options, source.path);
  const onnx = `models/${id}.onnx`;
  await source.export(join(dir, onnx), 'onnx');
  const shared = anns.get(file.model.sha256);
  const ann = shared ?? `models/${id}.ann.onnx`;
  if (!shared) {
    await source.export(join(dir, ann), 'onnx-ann');
    anns.set(file.model.sha256, ann);
  }
  const annBytes = shared ? 0 : (await stat(join(dir, ann))).size;
  const model = await readOnnxModel(join(dir, onnx));
  const metadata = readModelMetadata(model.metadata ?? {}, join(dir, onnx));
  const contract = metadata.snn as SnnOnnxContract | undefined;
  if (!contract) throw new MsatError('PLAYGROUND_BUILD', `${source.path}: the exported model has no msat.snn contract in its metadata`);
  if (contract.stepsPerCall !== 1 || contract.input.encoding !== 'direct' || contract.noise || contract.keep.length > 0)
    throw new MsatError('PLAYGROUND_BUILD', `${source.path}: the page runs one step per call with direct encoding and no keep masks`);
  const perSample = (dims: readonly (number | 'N')[]) => dims.filter((d): d is number => d !== 'N');
  const state = contract.state.map((s) => ({
    input: s.input,
    output: s.output,
    type: s.type === 'float64' ? ('float64' as const) : ('float32' as const),
    dims: perSample(s.dims),
    reset: s.reset,
    meaning: s.meaning,
  }));
  const neuron: NeuronConfig = { ...DEFAULT_NEURON_CONFIG, ...defaults.neuron };
  const exit = defaults.exit && formatExitRule(defaults.exit);
  const bytes = (await stat(join(dir, onnx))).size + annBytes;
  return {
    entry: {
      id,
      label,
      onnx,
      ann,
      input: contract.input.name,
      state,
      sum: contract.readout.sum,
      classes: contract.readout.classes,
      spikingLayers: state.flatMap((s) => spikeCountLayer(s.meaning) ?? []),
      ...(exit ? { exit } : {}),
      settings: settingsOf(neuron, file.calibration, exit),
      provenance: provenanceOf(source.path, file, metadata),
      bytes,
    },
    inputDims: perSample(contract.input.dims),
    metadata,
    mean: defaults.normalization.mean,
    std: defaults.normalization.std,
  };
}

type SnnFile = Awaited<ReturnType<typeof readSnnFile>>;

function settingsOf(neuron: NeuronConfig, calibration: SnnFile['calibration'], exit: string | undefined): string[] {
  const hp =
    neuron.method === 'const'
      ? []
      : [
          `hyper-parameters: ${Object.entries(neuron.hp)
            .map(([k, v]) => `${k} = ${round(v)}`)
            .join(', ')}`,
        ];
  const per = calibration.granularity.kind === 'channel' ? 'channel' : 'layer';
  return [
    `converter: ${describeMethod(neuron)}`,
    ...hp,
    `reset: ${neuron.reset}, at most ${neuron.gamma} spike${neuron.gamma === 1 ? '' : 's'} per step`,
    `λ: ${calibration.percentile} percentile of each ReLU's output on ${calibration.samples} training samples, one per ${per}`,
    `early exit: ${exit ?? 'none recorded (the page runs every step)'}`,
  ];
}

function provenanceOf(path: string, file: SnnFile, metadata: ModelMetadata): string[] {
  const p = file.provenance;
  const accuracy = metadata.accuracy !== undefined ? `, ANN test accuracy ${(100 * metadata.accuracy).toFixed(2)} %` : '';
  const data = p.dataset
    ? [`calibration data: ${p.dataset.path} (${p.dataset.split}), ${p.dataset.samples} samples, every ${p.dataset.every ?? 1}`]
    : [];
  return [
    `SNN file: ${path}`,
    `model: ${file.model.path} (sha256 ${file.model.sha256.slice(0, 12)}…)${metadata.arch ? `, ${metadata.arch}` : ''}${accuracy}`,
    `written by msat ${p.msatVersion} on ${p.createdAt}${p.command ? `: ${p.command}` : ''}`,
    ...data,
  ];
}

const round = (v: number) => Number(v.toPrecision(4));
