/**
 * The tensors a `Network` owns, by stable name (`<layer>.<role>`, the names `exportOnnx` gives its
 * initializers), split into trainable parameters and buffers (batch-norm running statistics), and the way back:
 * a copy of the network with new values. Pure functions over typed arrays.
 */
import { MsatError, type Tensor } from '../core/index.js';
import { layerTensors, withLayerTensors, type Layer, type Network, type TensorRole } from '../model/index.js';

/** What a tensor is to its layer. */
export type ParameterRole = TensorRole;

/** One named tensor of a network. */
export interface ParameterSpec {
  /** `<layer name>.<role>`. */
  readonly name: string;
  readonly layer: string;
  readonly role: ParameterRole;
  readonly dims: readonly number[];
  /** False for batch-norm running statistics (updated by the forward pass, not by the optimizer). */
  readonly trainable: boolean;
}

/** Every tensor of `network`, in layer order. */
export function parameterSpecs(network: Network): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  for (const layer of network.layers) {
    for (const { role, tensor, trainable } of layerTensors(layer)) {
      specs.push({ name: `${layer.name}.${role}`, layer: layer.name, role, dims: [...tensor.dims], trainable });
    }
  }
  return specs;
}

/** Copies of every tensor's values, by parameter name. */
export function readParameters(network: Network): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const layer of network.layers) for (const { role, tensor } of layerTensors(layer)) values.set(`${layer.name}.${role}`, tensor.data.slice());
  return values;
}

/**
 * A copy of `network` whose tensors take `values` (by parameter name; names not given keep their values).
 * @throws MsatError `TRAIN_PARAMETERS` when a value has the wrong length.
 */
export function withParameters(network: Network, values: ReadonlyMap<string, Float32Array>, metadata?: Readonly<Record<string, string>>): Network {
  const pick = (layer: Layer, role: ParameterRole, t: Tensor<'float32'>): Tensor<'float32'> => {
    const v = values.get(`${layer.name}.${role}`);
    if (v === undefined) return t;
    if (v.length !== t.data.length) {
      throw new MsatError('TRAIN_PARAMETERS', `${layer.name}.${role}: expected ${t.data.length} values [${t.dims.join(', ')}], got ${v.length}`);
    }
    return { type: 'float32', dims: [...t.dims], data: v.slice() };
  };
  const layers = network.layers.map((layer): Layer => {
    const tensors = layerTensors(layer);
    if (tensors.length === 0) return layer;
    return withLayerTensors(layer, Object.fromEntries(tensors.map(({ role, tensor }) => [role, pick(layer, role, tensor)])));
  });
  return { ...network, layers, metadata: metadata ?? network.metadata };
}
