/**
 * A typed, plain-object view of an ONNX model. Nothing here refers to protobuf classes, so the layers above
 * (`model`, `train`, `snn`) can read and build graphs without knowing the wire format; `decode.ts` and
 * `encode.ts` are the only translations between the two.
 */
import type { DataType, Tensor } from '../core/index.js';

/** One operator-set import, e.g. `{ domain: '', version: 13 }` (the empty domain is the default `ai.onnx`). */
export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

/**
 * An attribute value, tagged with its ONNX attribute type. The tag is kept (instead of a bare `number`)
 * because ONNX distinguishes `INT` from `FLOAT`: writing `alpha = 1.0` as an INT makes onnxruntime reject the
 * model, and a JS number cannot tell `1` from `1.0`. INT values are int64 on the wire and become JS numbers
 * here (values beyond 2^53, such as Slice's "to the end" INT64_MAX, lose precision but keep their meaning).
 * Graph-valued attributes (If, Loop, Scan) are rejected when decoding.
 */
export type AttributeValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: Tensor };

/** Constructors for `AttributeValue`s, so graph-building code reads `attr.ints([1, 1])`. */
export const attr = {
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ type: 'ints', value: [...value] }),
  floats: (value: readonly number[]): AttributeValue => ({ type: 'floats', value: [...value] }),
  strings: (value: readonly string[]): AttributeValue => ({ type: 'strings', value: [...value] }),
  tensor: (value: Tensor): AttributeValue => ({ type: 'tensor', value }),
} as const;

/** One graph node. `inputs` may contain `''` for an omitted optional input, as in ONNX. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** `''` for the default `ai.onnx` domain. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/**
 * A graph input or output. `dims` holds a number for a fixed dimension and a string for a symbolic one
 * (`dim_param`, e.g. `'N'` or `'batch_size'`); an unnamed unknown dimension is `'?'`. `dims` is undefined
 * when the file gives no shape at all (allowed by ONNX for outputs).
 */
export interface ValueInfo {
  readonly name: string;
  readonly type: DataType;
  readonly dims?: readonly (number | string)[];
}

/** A graph: nodes in the file's order (ONNX requires topological order; `model/` re-checks it). */
export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  /** Constant tensors by name. float16 and double initializers are already converted to float32. */
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Runtime inputs only: initializers that old exporters also list as inputs are left out. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /**
   * Float initializers the encoder writes as FLOAT16 (half the bytes; their float32 values here should already
   * be float16-exact, as `GraphBuilder.initializer(..., { float16: true })` makes them). Default none.
   */
  readonly float16Initializers?: ReadonlySet<string>;
}

/** A whole model file. */
export interface OnnxModel {
  readonly irVersion: number;
  readonly opsetImports: readonly OpsetImport[];
  readonly producerName: string;
  readonly graph: OnnxGraph;
  /** The model's `metadata_props`. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The version of the default (`ai.onnx`) operator set a model imports, or undefined if it imports none. */
export function defaultOpset(model: OnnxModel): number | undefined {
  return model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
}
