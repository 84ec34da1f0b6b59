/**
 * Typed readers for ONNX node attributes, with the spec's defaults, and the normalization of convolution and
 * pooling windows (kernel, strides, pads, dilations, auto_pad). Pure: errors name the file, node and attribute.
 */
import { MsatError } from '../core/index.js';
import type { AttributeValue, OnnxNode } from '../onnx/index.js';

/** Where an attribute comes from, for messages. */
export interface NodeContext {
  readonly source: string;
  readonly node: OnnxNode;
}

/** `<file>: node "<name>" (<Op>)`. */
export function describeNode(ctx: NodeContext): string {
  return `${ctx.source}: node "${ctx.node.name}" (${ctx.node.opType})`;
}

/** An `ONNX_UNSUPPORTED_OP` error for an attribute value msat cannot represent. */
export function unsupportedAttribute(ctx: NodeContext, name: string, found: string, supported: string): MsatError {
  // `found` may be a string attribute of the file: quoted, with escapes, if it holds a line break or a quote
  const shown = JSON.stringify(found).slice(1, -1) === found ? found : JSON.stringify(found);
  return new MsatError(
    'ONNX_UNSUPPORTED_OP',
    `${describeNode(ctx)} has attribute ${name} = ${shown}, which msat does not support (supported: ${supported})`,
  );
}

function wrongType(ctx: NodeContext, name: string, expected: string, found: AttributeValue): MsatError {
  return new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: attribute "${name}" should be ${expected}, found ${found.type}`);
}

/** An INT attribute, or `fallback` when absent. */
export function readInt(ctx: NodeContext, name: string, fallback: number): number {
  const a = ctx.node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'int') throw wrongType(ctx, name, 'an int', a);
  return a.value;
}

/** A FLOAT attribute, or `fallback` when absent. INT is accepted too (some exporters write `alpha = 1`). */
export function readFloat(ctx: NodeContext, name: string, fallback: number): number {
  const a = ctx.node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'float' && a.type !== 'int') throw wrongType(ctx, name, 'a float', a);
  return a.value;
}

/** A STRING attribute, or `fallback` when absent. */
export function readString(ctx: NodeContext, name: string, fallback: string): string {
  const a = ctx.node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'string') throw wrongType(ctx, name, 'a string', a);
  return a.value;
}

/** An INTS attribute, or undefined when absent. */
export function readInts(ctx: NodeContext, name: string): number[] | undefined {
  const a = ctx.node.attributes[name];
  if (a === undefined) return undefined;
  if (a.type !== 'ints') throw wrongType(ctx, name, 'ints', a);
  return [...a.value];
}

/** Normalized sliding-window attributes of Conv, MaxPool and AveragePool. */
export interface WindowAttributes {
  readonly kernel: number[];
  readonly strides: number[];
  /** All begins, then all ends. */
  readonly pads: number[];
  readonly dilations: number[];
}

/**
 * Reads kernel_shape/strides/pads/dilations/auto_pad for a window over `inputSpatial` (the static spatial
 * sizes). `kernel` is the default kernel (a Conv's weight dims); pools must carry kernel_shape. auto_pad
 * SAME_UPPER/SAME_LOWER are resolved to explicit pads (exact for static spatial sizes), VALID to zero pads.
 */
export function readWindowAttributes(
  ctx: NodeContext,
  inputSpatial: readonly number[],
  kernel: readonly number[] | undefined,
  ceilMode = false,
): WindowAttributes {
  const s = inputSpatial.length;
  const k = readInts(ctx, 'kernel_shape') ?? (kernel ? [...kernel] : undefined);
  if (!k) throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: attribute "kernel_shape" is missing`);
  const check = (name: string, v: number[], len: number, min: number): number[] => {
    if (v.length !== len || v.some((x) => !Number.isInteger(x) || x < min)) {
      throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: attribute "${name}" = [${v.join(', ')}] does not fit a ${s}-D window`);
    }
    return v;
  };
  check('kernel_shape', k, s, 1);
  const strides = check('strides', readInts(ctx, 'strides') ?? k.map(() => 1), s, 1);
  const dilations = check('dilations', readInts(ctx, 'dilations') ?? k.map(() => 1), s, 1);
  const autoPad = readString(ctx, 'auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'NOTSET') {
    pads = check('pads', readInts(ctx, 'pads') ?? k.map(() => 0).concat(k.map(() => 0)), 2 * s, 0);
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * s).fill(0);
  } else if ((autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') && !ceilMode) {
    pads = new Array<number>(2 * s).fill(0);
    for (let i = 0; i < s; i++) {
      const out = Math.ceil(inputSpatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + dilations[i] * (k[i] - 1) + 1 - inputSpatial[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[s + i] = total - pads[i];
    }
  } else {
    throw unsupportedAttribute(ctx, 'auto_pad', autoPad, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER (SAME_* without ceil_mode)');
  }
  return { kernel: k, strides, pads, dilations };
}
