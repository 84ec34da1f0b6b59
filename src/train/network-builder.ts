/**
 * A small builder for `Network` IRs written by hand (the architectures msat trains, test nets): each call adds
 * one layer, infers its output shape with the model layer's `inferLayerShape`, and returns the output tensor
 * name. Weights start as PyTorch's module defaults before initialisation: zeros for conv/linear/embedding
 * (filled by `initializeNetwork`), γ = 1, β = 0, running mean 0 and variance 1 for batch norm.
 */
import { MsatError, type Tensor } from '../core/index.js';
import { inferLayerShape, type Layer, type LayerSpec, type Network, type Shape, type TensorSpec } from '../model/index.js';

/** A layer spec without its name and output (distributive over the union). */
type LayerBody = LayerSpec extends infer L ? (L extends LayerSpec ? Omit<L, 'name' | 'output'> : never) : never;

const zeros = (dims: readonly number[]): Tensor<'float32'> => ({
  type: 'float32',
  dims: [...dims],
  data: new Float32Array(dims.reduce((a, b) => a * b, 1)),
});
const filled = (n: number, v: number): Tensor<'float32'> => ({ type: 'float32', dims: [n], data: new Float32Array(n).fill(v) });

/** Per-axis value from a number or a list. */
const perAxis = (v: number | readonly number[], rank: number): number[] => (typeof v === 'number' ? Array(rank).fill(v) : [...v]);

export interface ConvOptions {
  readonly kernel: number | readonly number[];
  /** Default 1. */
  readonly stride?: number | readonly number[];
  /** Symmetric padding per spatial axis. Default 0. */
  readonly pad?: number | readonly number[];
  /** Default true. */
  readonly bias?: boolean;
  readonly name?: string;
}

export interface PoolOptions {
  readonly kernel: number | readonly number[];
  /** Default: the kernel. */
  readonly stride?: number | readonly number[];
  /** Default 0. */
  readonly pad?: number | readonly number[];
  readonly name?: string;
}

export class NetworkBuilder {
  readonly #source: string;
  readonly #inputs: TensorSpec[];
  readonly #layers: Layer[] = [];
  readonly #shapes = new Map<string, Shape>();
  readonly #counts = new Map<string, number>();

  /** `input.dims[0]` must be `'N'`. */
  constructor(source: string, input: TensorSpec) {
    this.#source = source;
    this.#inputs = [input];
    this.#shapes.set(input.name, input.dims);
  }

  /** The inferred shape of tensor `name`. */
  shape(name: string): Shape {
    const s = this.#shapes.get(name);
    if (!s) throw new MsatError('TRAIN_GRAPH', `${this.#source}: no tensor named "${name}"`);
    return s;
  }

  conv(x: string, outChannels: number, o: ConvOptions): string {
    const inShape = this.shape(x);
    const rank = inShape.length - 2;
    const kernel = perAxis(o.kernel, rank);
    const pad = perAxis(o.pad ?? 0, rank);
    return this.#add(o.name, 'conv', {
      kind: 'conv',
      inputs: [x],
      weight: zeros([outChannels, inShape[1] as number, ...kernel]),
      ...((o.bias ?? true) ? { bias: zeros([outChannels]) } : {}),
      strides: perAxis(o.stride ?? 1, rank),
      pads: [...pad, ...pad],
      dilations: Array(rank).fill(1),
      group: 1,
    });
  }

  batchNorm(x: string, name?: string, epsilon = 1e-5): string {
    const c = this.shape(x)[1] as number;
    return this.#add(name, 'bn', {
      kind: 'batchnorm',
      inputs: [x],
      scale: filled(c, 1),
      bias: filled(c, 0),
      mean: filled(c, 0),
      variance: filled(c, 1),
      epsilon,
    });
  }

  relu(x: string, name?: string): string {
    return this.#add(name, 'relu', { kind: 'relu', inputs: [x] });
  }

  maxPool(x: string, o: PoolOptions): string {
    const rank = this.shape(x).length - 2;
    const kernel = perAxis(o.kernel, rank);
    const pad = perAxis(o.pad ?? 0, rank);
    return this.#add(o.name, 'maxpool', {
      kind: 'maxpool',
      inputs: [x],
      kernel,
      strides: perAxis(o.stride ?? kernel, rank),
      pads: [...pad, ...pad],
      dilations: Array(rank).fill(1),
      ceilMode: false,
    });
  }

  avgPool(x: string, o: PoolOptions): string {
    const rank = this.shape(x).length - 2;
    const kernel = perAxis(o.kernel, rank);
    const pad = perAxis(o.pad ?? 0, rank);
    return this.#add(o.name, 'avgpool', {
      kind: 'avgpool',
      inputs: [x],
      kernel,
      strides: perAxis(o.stride ?? kernel, rank),
      pads: [...pad, ...pad],
      countIncludePad: true,
      ceilMode: false,
    });
  }

  globalAvgPool(x: string, name?: string): string {
    return this.#add(name, 'gap', { kind: 'globalavgpool', inputs: [x] });
  }

  flatten(x: string, name?: string): string {
    return this.#add(name, 'flatten', { kind: 'flatten', inputs: [x], axis: 1 });
  }

  linear(x: string, outFeatures: number, o: { bias?: boolean; name?: string } = {}): string {
    const s = this.shape(x);
    const inF = s[s.length - 1] as number;
    return this.#add(o.name, 'fc', {
      kind: 'linear',
      inputs: [x],
      weight: zeros([outFeatures, inF]),
      ...((o.bias ?? true) ? { bias: zeros([outFeatures]) } : {}),
    });
  }

  add(a: string, b: string, name?: string): string {
    return this.#add(name, 'add', { kind: 'add', inputs: [a, b] });
  }

  concat(xs: readonly string[], axis: number, name?: string): string {
    return this.#add(name, 'concat', { kind: 'concat', inputs: [...xs], axis });
  }

  transpose(x: string, perm: readonly number[], name?: string): string {
    return this.#add(name, 'transpose', { kind: 'transpose', inputs: [x], perm: [...perm] });
  }

  embedding(ids: string, vocab: number, dim: number, name?: string): string {
    return this.#add(name, 'embed', { kind: 'embedding', inputs: [ids], weight: zeros([vocab, dim]) });
  }

  /** The network with `outputs` (default: the last layer's output). */
  build(outputs?: readonly string[], metadata: Readonly<Record<string, string>> = {}): Network {
    const last = this.#layers[this.#layers.length - 1];
    return {
      inputs: [...this.#inputs],
      outputs: outputs ? [...outputs] : [last.output],
      layers: [...this.#layers],
      metadata: { ...metadata },
      source: this.#source,
    };
  }

  #add(name: string | undefined, prefix: string, spec: LayerBody): string {
    let layerName = name;
    if (layerName === undefined) {
      const k = (this.#counts.get(prefix) ?? 0) + 1;
      this.#counts.set(prefix, k);
      layerName = `${prefix}${k}`;
    }
    if (this.#shapes.has(layerName)) throw new MsatError('TRAIN_GRAPH', `${this.#source}: tensor name "${layerName}" is already used`);
    const full = { ...spec, name: layerName, output: layerName } as LayerSpec;
    const outShape = inferLayerShape(
      full,
      full.inputs.map((i) => this.shape(i)),
    );
    this.#layers.push({ ...full, outShape } as Layer);
    this.#shapes.set(layerName, outShape);
    return layerName;
  }
}
