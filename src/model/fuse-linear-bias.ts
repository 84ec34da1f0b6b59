/**
 * Fuses a bias-free layer whose kind absorbs an Add bias (`absorbsAddBias`: linear) followed by `add` of a
 * constant into one layer with a bias. PyTorch exports `nn.Linear` on 3-D inputs (and everything at opset >= 14
 * in some versions) as `MatMul` + `Add`; keeping them apart would give conversion a layer with no bias and a
 * separate constant add between linear and ReLU.
 */
import { layerTensors, withLayerTensors } from './layer-facets.js';
import { layerKindSpec } from './layers/index.js';
import type { Layer } from './network.js';
import { biasVector } from './weights.js';

/**
 * Returns the layers with every fusable pair merged. The fused layer keeps the producer's name and takes
 * the add's output tensor. `keep` lists tensors that must stay visible (network outputs): a producer whose
 * output is one of them is not fused.
 */
export function fuseLinearBias(layers: readonly Layer[], keep: ReadonlySet<string>): Layer[] {
  const readers = new Map<string, number>();
  for (const l of layers) for (const x of l.inputs) readers.set(x, (readers.get(x) ?? 0) + 1);
  const fusedInto = new Map<Layer, Layer>(); // add layer -> fused producer
  const dropped = new Set<Layer>();
  for (const l of layers) {
    if (l.kind !== 'add' || !l.constant || l.inputs.length !== 1) continue;
    const producer = layers.find((p) => p.output === l.inputs[0]);
    if (!producer || !layerKindSpec(producer.kind).absorbsAddBias || keep.has(producer.output) || readers.get(producer.output) !== 1) continue;
    const tensors = layerTensors(producer);
    const weight = tensors.find((t) => t.role === 'weight')?.tensor;
    if (!weight || tensors.some((t) => t.role === 'bias')) continue;
    const bias = biasVector(l.constant, weight.dims[0]);
    if (!bias || l.outShape.length !== producer.outShape.length || l.outShape.some((d, i) => d !== producer.outShape[i])) continue;
    fusedInto.set(l, { ...withLayerTensors(producer, { bias }), output: l.output, outShape: l.outShape });
    dropped.add(producer);
  }
  return layers.filter((l) => !dropped.has(l)).map((l) => fusedInto.get(l) ?? l);
}
