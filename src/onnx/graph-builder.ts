/**
 * A tiny builder for ONNX graphs, for code that emits graphs programmatically (model export, the simulator's
 * step graphs, the trainer's gradient graphs) and for tests. It only tracks names so that every tensor and
 * node name is unique; it does no shape or type checking (onnxruntime does that when the model loads).
 */
import { MsatError, type DataType, type Tensor } from '../core/index.js';
import { float16BitsToNumber, numberToFloat16Bits } from './float16.js';
import type { AttributeValue, OnnxModel, OnnxNode, ValueInfo } from './types.js';

/** Options of `GraphBuilder.build`; every field is optional. */
export interface BuildOptions {
  /** Default `'msat'`. */
  readonly producerName?: string;
  /** Written as `metadata_props`. Default none. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Default: the IR version that introduced `opset` (see `irVersionForOpset`). */
  readonly irVersion?: number;
}

/** Options of `GraphBuilder.node`. */
export interface NodeOptions {
  /** Node name. Default `<OpType>_<k>`. */
  readonly name?: string;
  /** Output names, or how many fresh outputs to create. Default one fresh output. */
  readonly outputs?: number | readonly string[];
  /** Operator domain. Default `''` (ai.onnx). */
  readonly domain?: string;
}

/**
 * The IR version released together with an ai.onnx opset. Writing the oldest IR version that knows the opset
 * keeps the files loadable by older runtimes.
 */
export function irVersionForOpset(opset: number): number {
  if (opset <= 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Accumulates inputs, initializers, nodes and outputs; `build` returns an `OnnxModel`. */
export class GraphBuilder {
  readonly #name: string;
  readonly #inputs: ValueInfo[] = [];
  readonly #outputs: ValueInfo[] = [];
  readonly #initializers = new Map<string, Tensor>();
  readonly #float16 = new Set<string>();
  readonly #nodes: OnnxNode[] = [];
  readonly #tensorNames = new Set<string>();
  readonly #nodeNames = new Set<string>();
  /** Names handed out by `fresh` and not used yet. */
  readonly #reserved = new Set<string>();

  constructor(graphName = 'msat') {
    this.#name = graphName;
  }

  /** Adds a graph input; returns its name. String dims are symbolic (`dim_param`), e.g. `'N'`. */
  input(name: string, type: DataType, dims: readonly (number | string)[]): string {
    this.#claim(name);
    this.#inputs.push({ name, type, dims: [...dims] });
    return name;
  }

  /**
   * Adds a constant tensor; returns its name (`name` itself, or a fresh `name_k` if `name` is taken). With
   * `float16`, a float32 tensor is rounded to float16 values and written as FLOAT16 (a Cast must widen it).
   */
  initializer(name: string, tensor: Tensor, options: { readonly float16?: boolean } = {}): string {
    const unique = this.#tensorNames.has(name) && !this.#reserved.has(name) ? this.#freshTensorName(name) : name;
    if (unique === name) this.#claim(unique);
    if (options.float16 && tensor.type === 'float32') {
      this.#initializers.set(unique, { ...tensor, data: (tensor.data as Float32Array).map((v) => float16BitsToNumber(numberToFloat16Bits(v))) });
      this.#float16.add(unique);
    } else this.#initializers.set(unique, tensor);
    return unique;
  }

  /**
   * Adds a node; returns the name of its first output (pass `options.outputs` as names to know the others).
   * Use `''` in `inputs` for an omitted optional input.
   */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}, options: NodeOptions = {}): string {
    const outs = options.outputs ?? 1;
    const outputs = typeof outs === 'number' ? Array.from({ length: outs }, () => this.#freshTensorName(opType.toLowerCase())) : [...outs];
    if (typeof outs !== 'number') for (const o of outputs) if (o !== '') this.#claim(o);
    let name = options.name ?? this.#freshNodeName(opType);
    if (this.#nodeNames.has(name)) name = this.#freshNodeName(name);
    this.#nodeNames.add(name);
    this.#nodes.push({ name, opType, domain: options.domain ?? '', inputs: [...inputs], outputs, attributes: { ...attributes } });
    return outputs[0];
  }

  /** Marks tensor `name` as a graph output. `dims` may be omitted (onnxruntime infers it). */
  output(name: string, type: DataType, dims?: readonly (number | string)[]): string {
    this.#outputs.push(dims === undefined ? { name, type } : { name, type, dims: [...dims] });
    return name;
  }

  /** A tensor name starting with `prefix` that is not used yet; it is reserved for the caller to use once. */
  fresh(prefix: string): string {
    const name = this.#freshTensorName(prefix);
    this.#reserved.add(name);
    return name;
  }

  /** The model, importing ai.onnx at `opset` (default 13). The builder may be reused afterwards. */
  build(opset = 13, options: BuildOptions = {}): OnnxModel {
    return {
      irVersion: options.irVersion ?? irVersionForOpset(opset),
      opsetImports: [{ domain: '', version: opset }],
      producerName: options.producerName ?? 'msat',
      graph: {
        name: this.#name,
        nodes: [...this.#nodes],
        initializers: new Map(this.#initializers),
        inputs: [...this.#inputs],
        outputs: [...this.#outputs],
        ...(this.#float16.size > 0 ? { float16Initializers: new Set(this.#float16) } : {}),
      },
      metadata: { ...(options.metadata ?? {}) },
    };
  }

  #claim(name: string): void {
    if (name === '') throw new MsatError('ONNX_BUILD', 'GraphBuilder: tensor names must not be empty');
    if (this.#reserved.delete(name)) return;
    if (this.#tensorNames.has(name)) throw new MsatError('ONNX_BUILD', `GraphBuilder: tensor name "${name}" is already used`);
    this.#tensorNames.add(name);
  }

  #freshTensorName(prefix: string): string {
    let k = 0;
    while (this.#tensorNames.has(`${prefix}_${k}`)) k++;
    const name = `${prefix}_${k}`;
    this.#tensorNames.add(name);
    return name;
  }

  #freshNodeName(prefix: string): string {
    let k = 0;
    while (this.#nodeNames.has(`${prefix}_${k}`)) k++;
    return `${prefix}_${k}`;
  }
}
