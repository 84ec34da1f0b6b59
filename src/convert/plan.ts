/**
 * The conversion plan (docs/method.md §1.3): what every layer of the ANN becomes in the SNN. ReLUs become spiking
 * nodes with base threshold λ_l, max-pools become LIPool (§3), the layers producing the network outputs are the
 * readout accumulated over time (§1.5), and everything else is an analog op run once per step on the events.
 * Anything the simulator cannot run is `refused` with a reason instead of being skipped silently.
 */
import { layerMacs, layerRole, poolWindow, sizePerSample, type Layer, type LayerKind, type Network, type PoolWindow } from '../model/index.js';
import type { Calibration, LayerCalibration } from './calibration-result.js';

/** What one layer becomes. */
export type LayerConversion =
  /** A ReLU replaced by a spiking node with base threshold λ (a number, or `[C]` per channel). */
  | { readonly kind: 'spiking'; readonly lambda: number | Float32Array }
  /** A max-pool replaced by lateral-inhibition pooling (docs/method.md §3). */
  | { readonly kind: 'lipool' }
  /** Linear in its input (conv, linear, pools, shape ops, add, concat, unfolded batch-norm): runs every step. */
  | { readonly kind: 'analog' }
  /** An analog layer whose output is a network output: run every step and summed, O(t) = Σ y(k) (docs/method.md §1.5). */
  | { readonly kind: 'readout' }
  /** An embedding of the network's token input: its output is the SNN's analog input, computed once per sample. */
  | { readonly kind: 'input-analog' }
  /** Cannot be converted; `reason` says why and what to change. */
  | { readonly kind: 'refused'; readonly reason: string };

/** The plan for one layer of the network. */
export interface PlannedLayer {
  readonly name: string;
  readonly layerKind: LayerKind;
  /** The tensor the layer writes (in the ANN and in the SNN alike). */
  readonly output: string;
  readonly becomes: LayerConversion;
  /** Spiking layers: neurons per sample (elements of the ReLU output). */
  readonly neurons?: number;
  /** Conv and linear layers: multiply-accumulates per sample of one ANN pass (`layerMacs`). */
  readonly macs?: number;
  /**
   * Conv and linear layers: true when no spiking layer is upstream, so the layer sees the same analog input
   * every step and costs its full MACs each step (the energy estimate's `inputSpikeRate: null`).
   */
  readonly analogInput?: boolean;
}

/** A synaptic (conv or linear) layer, for the energy estimate. */
export interface SynapticLayerPlan {
  readonly name: string;
  readonly macs: number;
  readonly analogInput: boolean;
}

/** What `planConversion` returns. */
export interface ConversionPlan {
  /** `Network.source` of the planned network. */
  readonly source: string;
  /** One entry per layer, in the network's order. */
  readonly layers: readonly PlannedLayer[];
  /** Network outputs: the tensors the readout accumulates. */
  readonly outputs: readonly string[];
  /** Spiking layers with their neurons per sample, in order. */
  readonly spiking: readonly { readonly name: string; readonly neurons: number }[];
  /** Conv and linear layers in order, with MACs per sample. */
  readonly synaptic: readonly SynapticLayerPlan[];
  /** Layers not refused. */
  readonly converted: number;
  readonly refused: number;
  /** Calibration warnings (dead layers) and calibration entries that match no layer. */
  readonly warnings: readonly string[];
}

/**
 * Plans the conversion of `network` (normally after `foldBatchNorms`) with the λ of `calibration`, which must
 * come from the same network: every ReLU needs an entry with its name and output tensor. Never throws for an
 * unconvertible layer; it is `refused` in the plan, and `assertConvertible` turns refusals into one error.
 */
export function planConversion(network: Network, calibration: Calibration): ConversionPlan {
  const byRelu = new Map(calibration.layers.map((c) => [c.relu, c]));
  const inputs = new Set(network.inputs.map((s) => s.name));
  const outputs = new Set(network.outputs);
  /** Tensors with a spiking layer upstream. */
  const eventDriven = new Set<string>();
  const layers: PlannedLayer[] = [];

  for (const layer of network.layers) {
    const becomes = convertLayer(layer, byRelu.get(layer.name), inputs, outputs);
    const upstreamSpikes = layer.inputs.some((t) => eventDriven.has(t));
    if (upstreamSpikes || becomes.kind === 'spiking') eventDriven.add(layer.output);
    const base = { name: layer.name, layerKind: layer.kind, output: layer.output, becomes };
    if (becomes.kind === 'spiking') layers.push({ ...base, neurons: sizePerSample(layer.outShape) });
    else if (layerRole(layer) === 'synaptic') layers.push({ ...base, macs: layerMacs(layer), analogInput: !upstreamSpikes });
    else layers.push(base);
  }

  const relus = new Set(network.layers.filter((l) => layerRole(l) === 'spiking').map((l) => l.name));
  const warnings = [
    ...calibration.layers.filter((c) => c.warning !== undefined).map((c) => `relu "${c.relu}": ${c.warning}`),
    ...calibration.layers.filter((c) => !relus.has(c.relu)).map((c) => `calibration entry "${c.relu}" matches no relu layer of ${network.source}`),
  ];
  const refused = layers.filter((l) => l.becomes.kind === 'refused').length;
  return {
    source: network.source,
    layers,
    outputs: [...network.outputs],
    spiking: layers.filter((l) => l.neurons !== undefined).map((l) => ({ name: l.name, neurons: l.neurons! })),
    synaptic: layers.filter((l) => l.macs !== undefined).map((l) => ({ name: l.name, macs: l.macs!, analogInput: l.analogInput! })),
    converted: layers.length - refused,
    refused,
    warnings,
  };
}

function convertLayer(
  layer: Layer,
  calibration: LayerCalibration | undefined,
  inputs: ReadonlySet<string>,
  outputs: ReadonlySet<string>,
): LayerConversion {
  switch (layerRole(layer)) {
    case 'spiking':
      return spikingNode(layer, calibration);
    case 'pool': {
      const reason = lipoolRefusal(poolWindow(layer));
      return reason === null ? { kind: 'lipool' } : { kind: 'refused', reason };
    }
    case 'input':
      return inputs.has(layer.inputs[0])
        ? { kind: 'input-analog' }
        : {
            kind: 'refused',
            reason: `its indices "${layer.inputs[0]}" are computed inside the network; only an embedding of the network's token input can be converted (it becomes the SNN's analog input)`,
          };
    case 'synaptic':
    case 'analog':
      return outputs.has(layer.output) ? { kind: 'readout' } : { kind: 'analog' };
  }
}

function spikingNode(layer: Layer, c: LayerCalibration | undefined): LayerConversion {
  if (!c) return { kind: 'refused', reason: 'the calibration has no λ for it; calibrate this network (after batch-norm folding) again' };
  if (c.tensor !== layer.output) {
    return {
      kind: 'refused',
      reason: `its λ was measured on tensor "${c.tensor}", but the layer writes "${layer.output}"; the calibration belongs to another network`,
    };
  }
  if (typeof c.lambda === 'number') {
    if (!(c.lambda > 0 && Number.isFinite(c.lambda))) return { kind: 'refused', reason: `λ = ${c.lambda}; a threshold must be finite and > 0` };
    return { kind: 'spiking', lambda: c.lambda };
  }
  const channels = layer.outShape[1];
  if (c.lambda.length !== channels) {
    return { kind: 'refused', reason: `channel-wise λ has ${c.lambda.length} values, but the output has ${String(channels)} channels on axis 1` };
  }
  const bad = c.lambda.findIndex((v) => !(v > 0 && Number.isFinite(v)));
  if (bad >= 0) return { kind: 'refused', reason: `λ of channel ${bad} is ${c.lambda[bad]}; a threshold must be finite and > 0` };
  return { kind: 'spiking', lambda: c.lambda };
}

/**
 * Why LIPool cannot replace this max-pool, or null. The limits are those of the LIPool simulator (PyTorch's
 * `MaxPool1d/2d` geometry): no ceil mode, no dilation, symmetric padding of at most half the kernel.
 */
function lipoolRefusal(layer: PoolWindow): string | null {
  if (layer.ceilMode) return 'ceil_mode = 1 is not supported by LIPool; export the model with ceil_mode = False';
  if (layer.dilations.some((d) => d !== 1)) return `dilations [${layer.dilations.join(', ')}] are not supported by LIPool (only 1)`;
  const rank = layer.kernel.length;
  for (let a = 0; a < rank; a++) {
    const begin = layer.pads[a];
    const end = layer.pads[a + rank];
    if (begin !== end) return `asymmetric pads [${layer.pads.join(', ')}] are not supported by LIPool`;
    if (begin > Math.floor(layer.kernel[a] / 2)) {
      return `pads [${layer.pads.join(', ')}] exceed half the kernel [${layer.kernel.join(', ')}], so some windows hold only padding`;
    }
  }
  return null;
}
