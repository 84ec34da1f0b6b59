/**
 * One ONNX node (after constant folding) -> one IR layer, through the `fromOnnx` mappers of the layer kinds
 * (layers/<kind>.ts): one function per operator, whose parameters follow the ONNX spec's attributes and defaults;
 * anything msat cannot represent exactly is an `ONNX_UNSUPPORTED_OP` error naming the file, the node, the
 * operator and the attribute, never a silent approximation.
 */
import { MsatError } from '../core/index.js';
import type { NodeContext } from './attributes.js';
import type { LayerSpec } from './layer-types.js';
import { LAYER_KINDS } from './layers/index.js';

import type { MappingEnv } from './layers/from-onnx.js';

export type { MappingEnv };

type Mapper = (ctx: NodeContext, env: MappingEnv) => LayerSpec;

/** Each operator that becomes a layer, with its mapper. */
const MAPPERS: ReadonlyMap<string, Mapper> = new Map(
  Object.values(LAYER_KINDS).flatMap((spec) => Object.entries(spec.fromOnnx as Readonly<Record<string, Mapper>>)),
);

/** Operators that become layers, in the order the error message lists them (registry order). */
export const LAYER_OPS: readonly string[] = [...MAPPERS.keys()];

/** Operators that are removed (output aliased to input). */
export const ALIAS_OPS: ReadonlySet<string> = new Set(['Identity', 'Dropout']);

/** The `ONNX_UNSUPPORTED_OP` error for an operator without a mapping. */
export function unsupportedOp(ctx: NodeContext): MsatError {
  const domain = ctx.node.domain ? `${ctx.node.domain}::` : '';
  return new MsatError(
    'ONNX_UNSUPPORTED_OP',
    `${ctx.source}: node "${ctx.node.name}" uses operator ${domain}${ctx.node.opType}, which msat does not support; ` +
      `supported: ${LAYER_OPS.join(', ')}, ${[...ALIAS_OPS].join(', ')} (removed), Pad with zeros (folded into Conv/AveragePool), ` +
      'and shape/constant glue that folds away (Constant, Shape, Gather, Unsqueeze, Concat, Cast, Slice, arithmetic on constants)',
  );
}

/**
 * Maps one node that did not fold to a constant. Only the first output becomes a layer output; the importer
 * rejects reads of any other output (MaxPool Indices, Dropout mask).
 * @throws MsatError `ONNX_UNSUPPORTED_OP` for operators, attribute values or operand kinds msat lacks.
 */
export function mapNodeToLayer(ctx: NodeContext, env: MappingEnv): LayerSpec {
  const mapper = ctx.node.domain === '' ? MAPPERS.get(ctx.node.opType) : undefined;
  if (!mapper) throw unsupportedOp(ctx);
  return mapper(ctx, env);
}
