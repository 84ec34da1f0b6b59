/**
 * Zero `Pad` nodes. PyTorch exports `nn.AvgPool2d` (count_include_pad=True, its default) at opsets < 19 as an
 * explicit constant `Pad` followed by `AveragePool`, even when the padding is zero. A Pad whose pads are all
 * zero is an identity; a non-zero constant-0 Pad on spatial axes is folded into the Conv or AveragePool that
 * reads it (exact: Conv pads with zeros, and AveragePool with count_include_pad = 1 divides by the full window).
 */
import { MsatError } from '../core/index.js';
import { describeNode, readFloat, readInts, readString, unsupportedAttribute, type NodeContext } from './attributes.js';
import { constEntries, constToTensor } from './constant-fold.js';
import type { Dim, LayerSpec, Shape } from './network.js';
import { layerKindSpec } from './layers/index.js';
import type { MappingEnv } from './op-mapping.js';

/** A pending zero padding of `source` (ONNX order over all axes: every begin, then every end). */
export interface ZeroPad {
  readonly source: string;
  readonly pads: readonly number[];
}

/** Reads a Pad node; undefined when it pads nothing (an identity). */
export function readZeroPad(ctx: NodeContext, env: MappingEnv): ZeroPad | undefined {
  const [data, padsName = '', valueName = '', axesName = ''] = ctx.node.inputs;
  const shape = env.shape(data);
  if (!shape || env.constant(data))
    throw new MsatError('ONNX_UNSUPPORTED_OP', `${describeNode(ctx)}: padding a constant, which msat does not support`);
  const mode = readString(ctx, 'mode', 'constant');
  if (mode !== 'constant') throw unsupportedAttribute(ctx, 'mode', mode, 'constant');
  if (axesName !== '') throw unsupportedAttribute(ctx, 'axes (input 3)', axesName, 'padding every axis');
  let pads: Dim[] | undefined = readInts(ctx, 'pads');
  if (padsName !== '') {
    const c = env.constant(padsName);
    if (!c) throw new MsatError('ONNX_UNSUPPORTED_OP', `${describeNode(ctx)}: pads computed at run time, which msat does not support`);
    pads = constEntries(c);
  }
  if (!pads || pads.length !== 2 * shape.length || pads.some((p) => typeof p !== 'number')) {
    throw new MsatError('ONNX_MALFORMED', `${describeNode(ctx)}: pads [${pads?.join(', ') ?? ''}] do not fit input rank ${shape.length}`);
  }
  let value = readFloat(ctx, 'value', 0);
  if (valueName !== '') {
    const t = env.constant(valueName) && constToTensor(env.constant(valueName)!);
    if (!t || t.data.length !== 1)
      throw new MsatError('ONNX_UNSUPPORTED_OP', `${describeNode(ctx)}: constant_value computed at run time, which msat does not support`);
    value = Number(t.data[0]);
  }
  const p = pads as number[];
  if (p.every((v) => v === 0)) return undefined;
  if (value !== 0) throw unsupportedAttribute(ctx, 'constant_value', String(value), '0');
  const rank = shape.length;
  if (p.some((v) => v < 0) || p[0] !== 0 || p[1] !== 0 || p[rank] !== 0 || p[rank + 1] !== 0) {
    throw unsupportedAttribute(ctx, 'pads', `[${p.join(', ')}]`, 'non-negative padding of spatial axes only');
  }
  return { source: data, pads: p };
}

/** The shape of `shape` after padding. */
export function paddedShape(shape: Shape, pads: readonly number[]): Dim[] {
  return shape.map((d, i) => (typeof d === 'number' ? d + pads[i] + pads[shape.length + i] : d));
}

/**
 * Folds `pad` into the layer that reads the padded tensor as input 0, when its kind absorbs a Pad (`absorbsPad`:
 * conv, avgpool).
 * @throws MsatError `ONNX_UNSUPPORTED_OP` when the combination is not exact (another consumer kind, an
 *   AveragePool with its own pads and count_include_pad = 0, or ceil_mode).
 */
export function mergeZeroPad(ctx: NodeContext, spec: LayerSpec, pad: ZeroPad): LayerSpec {
  const refuse = (why: string): MsatError =>
    new MsatError(
      'ONNX_UNSUPPORTED_OP',
      `${describeNode(ctx)} reads a zero-padded tensor (Pad of "${pad.source}")${why}; msat folds a zero Pad only into a directly following Conv or AveragePool`,
    );
  const absorb = layerKindSpec(spec.kind).absorbsPad;
  if (!absorb) throw refuse('');
  const merged = absorb(spec, pad.pads);
  if (typeof merged === 'string') throw refuse(merged);
  return { ...merged, inputs: [pad.source] } as LayerSpec;
}
