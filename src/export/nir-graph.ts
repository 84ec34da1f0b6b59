/**
 * A converted SNN as a NIR graph (Neuromorphic Intermediate Representation, the graph format of the `nir`
 * Python package, read by Sinabs, snnTorch, Norse, Rockpool, Lava, SpiNNaker2). Built as plain objects here;
 * `nir-file.ts` writes and reads the HDF5 file.
 *
 * Semantics exported (one NIR time step = one msat step): every `relu` is an `IF` node (r = 1, v_threshold = θ =
 * k·λ per neuron, less one float32 ulp: see `belowEach`; v_reset = 0) followed by a `Scale` node of θ, so the next
 * node receives s·θ exactly as in msat. Each kind's node(s) are its entry in `NIR_LAYERS` (nir-layers.ts, with
 * `belowEach` and `refuseDynamics`).
 * θ is not folded into the next layer's weights: a spiking layer often feeds two consumers (the next conv and a
 * residual shortcut that goes straight into a later IF), and a shortcut edge has no weights to fold into.
 *
 * Shapes are NIR's: per sample, no batch axis. Parameter field names are NIR's own (snake_case) because they are
 * the HDF5 dataset names. Reset: NIR's IF resets V to v_reset (a hard reset), so only msat's `reset: 'hard'` is
 * exported; msat's default subtractive reset is refused (NIR has no parameter for it, and consumers disagree on
 * what an IF without one means: see `refuseDynamics`).
 */
import { MsatError } from '../core/index.js';
import { NIR_VERSION, type NirGraph, type NirNode } from './nir-nodes.js';
import { EXPORTABLE, lowerToNir, refuse } from './nir-layers.js';
import type { SnnDefinition } from './snn-definition.js';

export * from './nir-nodes.js';

/** What `nirGraph` exports (`SnnDefinition`). */
export type NirExportSource = SnnDefinition;

/** A NIR node name for an msat layer name: characters other than letters, digits, `_` and `-` become `_` ('.' addresses subgraphs in NIR). */
export function toNirNodeName(layerName: string): string {
  const clean = layerName.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^_+/, '');
  return clean === '' ? 'node' : clean;
}

/**
 * The NIR graph of a converted SNN. Throws EXPORT_UNSUPPORTED, naming the layer and the reason, for anything NIR
 * cannot express exactly (max-pool, which msat runs as LIPool; MSAT thresholds; γ > 1; soft reset; concat, …).
 */
export function nirGraph(snn: NirExportSource): NirGraph {
  const { network, lambdas, dynamics } = snn;
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  // the NIR nodes whose outputs sum to each msat tensor (a residual add is just both nodes' edges)
  const sources = new Map<string, string[]>();
  const shapes = new Map<string, readonly number[]>();
  const addNode = (wanted: string, node: NirNode): string => {
    let name = wanted;
    for (let i = 2; nodes.has(name); i++) name = `${wanted}_${i}`;
    nodes.set(name, node);
    return name;
  };
  const connect = (tensor: string, to: string) => {
    for (const from of sources.get(tensor)!) edges.push([from, to]);
  };

  if (network.inputs.length !== 1 || network.inputs[0].type !== 'float32') {
    throw new MsatError('EXPORT_UNSUPPORTED', `${network.source}: NIR export takes networks with one float32 input. ${EXPORTABLE}`);
  }
  const input = network.inputs[0];
  const inShape = input.dims.slice(1) as number[];
  sources.set(input.name, [addNode('input', { type: 'Input', shape: inShape })]);
  shapes.set(input.name, inShape);

  for (const layer of network.layers) {
    const ins = layer.inputs.map((n) => {
      const s = shapes.get(n);
      if (!s) refuse(layer, `reads "${n}", which is not computed before it`);
      return s;
    });
    const outShape = layer.outShape.slice(1) as number[];
    lowerToNir(layer, {
      inputShapes: ins,
      outShape,
      lambdas,
      dynamics,
      single(node) {
        const name = addNode(toNirNodeName(layer.name), node);
        connect(layer.inputs[0], name);
        sources.set(layer.output, [name]);
        return name;
      },
      after(from, wanted, node) {
        const name = addNode(wanted, node);
        edges.push([from, name]);
        sources.set(layer.output, [name]);
      },
      sumInputs: () =>
        sources.set(
          layer.output,
          layer.inputs.flatMap((n) => sources.get(n)!),
        ),
    });
    shapes.set(layer.output, outShape);
  }

  network.outputs.forEach((tensor, i) => {
    const shape = shapes.get(tensor);
    if (!shape) throw new MsatError('EXPORT_UNSUPPORTED', `${network.source}: output "${tensor}" is not computed`);
    const name = addNode(network.outputs.length === 1 ? 'output' : `output_${i}`, { type: 'Output', shape });
    connect(tensor, name);
  });
  return { version: NIR_VERSION, nodes, edges };
}
