/**
 * `Network` -> a standard ONNX graph that onnxruntime runs. Input and output names are preserved; the batch
 * dimension is written as `dim_param 'N'`. `extraOutputs` exposes intermediate tensors (calibration reads every
 * ReLU output this way, docs/method.md §1 step 2) without touching the rest of the graph.
 */
import { MsatError, type Tensor } from '../core/index.js';
import { GraphBuilder, encodeOnnxModel, type OnnxModel } from '../onnx/index.js';
import { SUPPORTED_OPSETS } from './import-onnx.js';
import type { Layer, Network, Shape } from './network.js';
import { emitLayer } from './emit-layer.js';

/** Options of `exportOnnx`; every field is optional. */
export interface ExportOptions {
  /** ai.onnx opset to write, 11..17. Default 13. */
  readonly opset?: number;
  /** Layer output tensors to add as graph outputs after the network outputs, in this order. Default none. */
  readonly extraOutputs?: readonly string[];
  /** Written as the model's producer_name. Default `'msat'`. */
  readonly producerName?: string;
  /**
   * How float weights are stored: `'float32'` (default), or `'float16'`: half the file size, each weight a
   * FLOAT16 initializer widened by a Cast node, so the graph still computes in float32 everywhere.
   */
  readonly weights?: 'float32' | 'float16';
}

/** Defaults of `exportOnnx`: opset 13 (what msat's own graphs target), no extra outputs. */
export const DEFAULT_EXPORT_OPTIONS: Required<ExportOptions> = { opset: 13, extraOutputs: [], producerName: 'msat', weights: 'float32' };

function resolveExportOptions(options: ExportOptions): Required<ExportOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ExportOptions;
  const r = { ...DEFAULT_EXPORT_OPTIONS, ...given };
  if (!Number.isInteger(r.opset) || r.opset < SUPPORTED_OPSETS.min || r.opset > SUPPORTED_OPSETS.max) {
    throw new MsatError('MODEL_EXPORT', `opset must be an integer from ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}, got ${r.opset}`);
  }
  if (r.weights !== 'float32' && r.weights !== 'float16')
    throw new MsatError('MODEL_EXPORT', `weights must be 'float32' or 'float16', got ${String(r.weights)}`);
  return r;
}

const dimsOf = (s: Shape): (number | string)[] => [...s];

/**
 * Writes the network as an ONNX model.
 * @throws MsatError `MODEL_EXPORT` for a bad opset, an unknown extra output, or a layer reading an unknown tensor.
 */
export function exportOnnx(network: Network, options: ExportOptions = {}): OnnxModel {
  const opts = resolveExportOptions(options);
  const b = new GraphBuilder(network.source.split(/[\\/]/).pop() || 'msat');
  const known = new Map<string, Shape>();
  for (const s of network.inputs) {
    b.input(s.name, s.type, dimsOf(s.dims));
    known.set(s.name, s.dims);
  }
  const taken = new Set<string>([...network.inputs.map((s) => s.name), ...network.layers.map((l) => l.output)]);
  const unique = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const param = (layer: Layer, role: string, t: Tensor): string => {
    const name = unique(`${layer.name}.${role}`);
    if (opts.weights === 'float32' || t.type !== 'float32') return b.initializer(name, t);
    const stored = b.initializer(unique(`${name}.float16`), t, { float16: true });
    return b.node('Cast', [stored], { to: { type: 'int', value: 1 } }, { outputs: [name], name: `${name}.cast` });
  };

  for (const layer of network.layers) {
    for (const x of layer.inputs) {
      if (!known.has(x))
        throw new MsatError('MODEL_EXPORT', `${network.source}: layer "${layer.name}" reads "${x}", which no earlier layer or input defines`);
    }
    emitLayer(
      b,
      layer,
      layer.inputs,
      layer.inputs.map((x) => known.get(x)!),
      layer.output,
      {
        opset: opts.opset,
        param: (role, t) => param(layer, role, t),
        intermediate: (base) => unique(base),
      },
    );
    known.set(layer.output, layer.outShape);
  }

  const outputs = [...network.outputs, ...opts.extraOutputs.filter((o, i, all) => !network.outputs.includes(o) && all.indexOf(o) === i)];
  const layerOutputs = new Map(network.layers.map((l) => [l.output, l]));
  for (const o of outputs) {
    const l = layerOutputs.get(o);
    if (!l) {
      const hint = network.inputs.some((s) => s.name === o) ? ' (it is a network input)' : '';
      throw new MsatError('MODEL_EXPORT', `${network.source}: cannot output "${o}": no layer writes it${hint}`);
    }
    b.output(o, 'float32', dimsOf(l.outShape));
  }
  return b.build(opts.opset, { producerName: opts.producerName, metadata: network.metadata });
}

/** `encodeOnnxModel(exportOnnx(network, options))`: bytes for a `Runner` session. */
export function networkToOnnxBytes(network: Network, options: ExportOptions = {}): Uint8Array {
  return encodeOnnxModel(exportOnnx(network, options));
}
