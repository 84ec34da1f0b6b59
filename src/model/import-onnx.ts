/**
 * ONNX model -> `Network`. One sweep over the nodes in topological order: nodes whose inputs are constants or
 * shapes are evaluated (`constant-fold.ts`), Identity and Dropout are aliased away, everything else maps to a
 * layer (`op-mapping.ts`) whose output shape is inferred with the batch dimension kept symbolic. Then a
 * MatMul/Gemm followed by a bias Add is fused, layers that do not reach an output are dropped, and tensors are
 * renamed so that the network's outputs keep the model's output names.
 */
import { MsatError, isMsatError, type DataType } from '../core/index.js';
import { defaultOpset, readOnnxModel, type OnnxModel, type OnnxNode } from '../onnx/index.js';
import { describeNode, type NodeContext } from './attributes.js';
import { constFromTensor, foldNode, type ConstValue } from './constant-fold.js';
import { fuseLinearBias } from './fuse-linear-bias.js';
import { layerTensors } from './layer-facets.js';
import { layerKindSpec } from './layers/index.js';
import { ALIAS_OPS, mapNodeToLayer, type MappingEnv } from './op-mapping.js';
import type { Layer, Network, Shape, TensorSpec } from './network.js';
import { formatShape, inferLayerShape } from './shape-inference.js';
import { mergeZeroPad, paddedShape, readZeroPad, type ZeroPad } from './zero-pad.js';

/** The ai.onnx opsets msat imports: those `torch.onnx.export` writes for the operators msat maps. */
export const SUPPORTED_OPSETS = { min: 11, max: 17 } as const;

/**
 * Converts a decoded ONNX model into msat's network IR. Dimension 0 of every input is taken to be the batch
 * (made symbolic `'N'` even when the file fixes it); every other input dimension must be static.
 * @param source names the model in error messages (usually its path).
 * @throws MsatError `ONNX_UNSUPPORTED_OPSET` (ai.onnx opset outside 11..17), `ONNX_UNSUPPORTED_OP`,
 *   `ONNX_UNSUPPORTED_SHAPE`, `ONNX_MALFORMED` or `MODEL_SHAPE`, each naming the file and node.
 */
export function importOnnx(model: OnnxModel, source: string): Network {
  const opset = defaultOpset(model);
  if (opset === undefined || opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new MsatError(
      'ONNX_UNSUPPORTED_OPSET',
      `${source}: the model imports ai.onnx opset ${opset ?? '(none)'}; msat imports opsets ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}. ` +
        'Re-export it, e.g. torch.onnx.export(..., opset_version=13).',
    );
  }
  const g = model.graph;
  const consts = new Map<string, ConstValue>();
  const shapes = new Map<string, Shape>();
  const types = new Map<string, DataType>();
  const alias = new Map<string, string>();
  const unavailable = new Map<string, string>(); // tensor -> why it cannot be read
  const padded = new Map<string, ZeroPad>(); // output of a non-zero Pad -> what it pads
  const layers: Layer[] = [];
  const resolve = (name: string): string => alias.get(name) ?? name;

  for (const [name, t] of g.initializers) consts.set(name, constFromTensor(t));
  const { inputs, staticBatch } = inputSpecs(model, source);
  for (const s of inputs) {
    shapes.set(s.name, s.dims);
    types.set(s.name, s.type);
  }
  const env: MappingEnv = { constant: (n) => consts.get(n), shape: (n) => shapes.get(n), type: (n) => types.get(n), staticBatch };

  for (const original of topologicalOrder(g.nodes, new Set([...g.initializers.keys(), ...inputs.map((s) => s.name)]), source)) {
    const node: OnnxNode = { ...original, inputs: original.inputs.map(resolve) };
    const ctx: NodeContext = { source, node };
    for (const x of node.inputs) {
      const why = unavailable.get(x);
      if (why) throw new MsatError('ONNX_UNSUPPORTED_OP', `${describeNode(ctx)} reads "${x}", ${why}, which msat does not support`);
    }
    const folded =
      node.domain === ''
        ? withContext(source, () =>
            foldNode(
              ctx,
              node.inputs.map((x) => consts.get(x)),
              node.inputs.map((x) => shapes.get(x)),
            ),
          )
        : undefined;
    if (folded) {
      node.outputs.forEach((o, i) => o !== '' && folded[i] && consts.set(o, folded[i]));
      continue;
    }
    if (node.domain === '' && node.opType === 'Pad') {
      const pad = readZeroPad(ctx, env);
      if (!pad) alias.set(node.outputs[0], node.inputs[0]);
      else {
        padded.set(node.outputs[0], pad);
        shapes.set(node.outputs[0], paddedShape(shapes.get(pad.source)!, pad.pads));
        types.set(node.outputs[0], types.get(pad.source)!);
      }
      continue;
    }
    if (node.domain === '' && ALIAS_OPS.has(node.opType)) {
      alias.set(node.outputs[0], node.inputs[0]);
      node.outputs.slice(1).forEach((o) => o !== '' && unavailable.set(o, `the mask output of ${node.opType} "${node.name}"`));
      continue;
    }
    let spec = mapNodeToLayer(ctx, env);
    const pad = padded.get(spec.inputs[0]);
    if (pad) spec = mergeZeroPad(ctx, spec, pad);
    const otherPad = spec.inputs.find((x) => padded.has(x));
    if (otherPad)
      throw new MsatError(
        'ONNX_UNSUPPORTED_OP',
        `${describeNode(ctx)} reads "${otherPad}", the output of a non-zero Pad, which msat folds only into a directly following Conv or AveragePool`,
      );
    for (const x of spec.inputs) {
      const type = types.get(x);
      if (!layerKindSpec(spec.kind).acceptsIntegerInput && type !== 'float32') {
        throw new MsatError(
          'ONNX_UNSUPPORTED_OP',
          `${describeNode(ctx)} computes on ${type} tensor "${x}", which msat does not support (layers compute on float32; only Gather embeddings take integer indices)`,
        );
      }
    }
    const outShape = withContext(source, () =>
      inferLayerShape(
        spec,
        spec.inputs.map((x) => shapes.get(x)!),
      ),
    );
    rejectUnusableShape(outShape, () => `${describeNode(ctx)} gives an output of shape ${formatShape(outShape)}`, 'MODEL_SHAPE');
    layers.push({ ...spec, outShape } as Layer);
    shapes.set(spec.output, outShape);
    types.set(spec.output, 'float32');
    node.outputs.slice(1).forEach((o) => o !== '' && unavailable.set(o, `output ${o} of ${node.opType} (msat keeps only the first output)`));
  }

  const producers = new Map(layers.map((l) => [l.output, l]));
  const wanted = g.outputs.map((o) => ({ name: o.name, from: resolve(o.name) }));
  for (const o of wanted) {
    if (!producers.has(o.from)) {
      const what = consts.has(o.from) ? 'a constant' : padded.has(o.from) ? 'the output of a Pad' : 'a graph input';
      throw new MsatError('ONNX_UNSUPPORTED_OP', `${source}: graph output "${o.name}" is ${what}; msat networks output layer results`);
    }
  }
  const fused = fuseLinearBias(layers, new Set(wanted.map((o) => o.from)));
  const live = liveLayers(
    fused,
    wanted.map((o) => o.from),
  );
  const renamed = renameOutputs(live, wanted, source);
  for (const layer of renamed) rejectNonFinite(layer, source);
  return { inputs, outputs: wanted.map((o) => o.name), layers: uniqueNames(renamed), metadata: { ...model.metadata }, source };
}

/**
 * The most values one sample of a layer's output may hold: the int32 range, in which buffer offsets stay exact; a
 * sample this large (8 GiB of float32) is damage, not a network.
 */
const MAX_VALUES_PER_SAMPLE = 2 ** 31 - 1;

/**
 * Refuses a shape with a dimension after the batch that is not a positive integer (a window larger than its
 * padded input leaves 0; damaged attributes give sizes beyond 2^53), or with more values per sample than
 * `MAX_VALUES_PER_SAMPLE`: every later pass sizes buffers from these shapes.
 */
function rejectUnusableShape(shape: Shape, what: () => string, code: 'MODEL_SHAPE' | 'ONNX_UNSUPPORTED_SHAPE'): void {
  let size = 1;
  for (const d of shape.slice(1)) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
      throw new MsatError(code, `${what()}; msat needs every dimension after the batch to be a positive integer`);
    }
    size *= d;
  }
  if (size > MAX_VALUES_PER_SAMPLE) {
    throw new MsatError(code, `${what()}: ${size} values per sample, more than msat handles (${MAX_VALUES_PER_SAMPLE})`);
  }
}

/** A NaN or infinite weight would turn into accuracy figures without a word; the model is refused instead. */
function rejectNonFinite(layer: Layer, source: string): void {
  for (const { role, tensor } of layerTensors(layer)) {
    const i = tensor.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      throw new MsatError(
        'ONNX_MALFORMED',
        `${source}: layer "${layer.name}" (${layer.kind}): its ${role} holds ${tensor.data[i]} at index ${i} of ${tensor.data.length}; msat needs finite weights`,
      );
    }
  }
}

/** Reads and imports an `.onnx` file. */
export async function loadNetwork(path: string): Promise<Network> {
  return importOnnx(await readOnnxModel(path), path);
}

function withContext<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isMsatError(e) && e.code === 'MODEL_SHAPE' && !e.message.startsWith(source)) {
      throw new MsatError(e.code, `${source}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function inputSpecs(model: OnnxModel, source: string): { inputs: TensorSpec[]; staticBatch?: number } {
  let staticBatch: number | undefined;
  const inputs = model.graph.inputs.map((v): TensorSpec => {
    if (!v.dims || v.dims.length === 0) {
      throw new MsatError('ONNX_UNSUPPORTED_SHAPE', `${source}: input "${v.name}" has no shape (or is a scalar); msat needs [batch, ...static dims]`);
    }
    const rest = v.dims.slice(1);
    if (rest.some((d) => typeof d !== 'number')) {
      throw new MsatError(
        'ONNX_UNSUPPORTED_SHAPE',
        `${source}: input "${v.name}" has shape ${formatShape(v.dims)}; msat needs every dimension after the batch to be static (re-export without dynamic axes other than the batch)`,
      );
    }
    const dims: Shape = ['N', ...(rest as number[])];
    rejectUnusableShape(dims, () => `${source}: input "${v.name}" has shape ${formatShape(v.dims!)}`, 'ONNX_UNSUPPORTED_SHAPE');
    if (typeof v.dims[0] === 'number') staticBatch ??= v.dims[0];
    return { name: v.name, type: v.type, dims };
  });
  if (inputs.length === 0) throw new MsatError('ONNX_UNSUPPORTED_SHAPE', `${source}: the model has no inputs`);
  return { inputs, staticBatch };
}

/** Kahn's algorithm, stable with respect to the file's order (which ONNX already requires to be topological). */
function topologicalOrder(nodes: readonly OnnxNode[], available: Set<string>, source: string): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const pending = nodes.map((n) => new Set(n.inputs.filter((x) => x !== '' && !available.has(x) && producer.has(x))));
  const consumers = new Map<number, number[]>();
  pending.forEach((deps, i) => deps.forEach((x) => consumers.set(producer.get(x)!, [...(consumers.get(producer.get(x)!) ?? []), i])));
  const done = new Array<boolean>(nodes.length).fill(false);
  const order: OnnxNode[] = [];
  const ready = nodes.map((_, i) => i).filter((i) => pending[i].size === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    done[i] = true;
    order.push(nodes[i]);
    for (const o of nodes[i].outputs) {
      for (const c of consumers.get(i) ?? []) {
        if (pending[c].delete(o) && pending[c].size === 0 && !done[c]) ready.push(c);
      }
    }
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.find((_, i) => !done[i])!;
    throw new MsatError('ONNX_MALFORMED', `${source}: not a valid ONNX model: the graph has a cycle through node "${stuck.name}" (${stuck.opType})`);
  }
  return order;
}

/** Layers that contribute to `outputs`, in order. */
function liveLayers(layers: readonly Layer[], outputs: readonly string[]): Layer[] {
  const needed = new Set(outputs);
  const keep = new Array<boolean>(layers.length).fill(false);
  for (let i = layers.length - 1; i >= 0; i--) {
    if (needed.has(layers[i].output)) {
      keep[i] = true;
      layers[i].inputs.forEach((x) => needed.add(x));
    }
  }
  return layers.filter((_, i) => keep[i]);
}

/** Renames tensors so that each network output carries the model's output name (lost when an Identity was aliased). */
function renameOutputs(layers: readonly Layer[], wanted: readonly { name: string; from: string }[], source: string): Layer[] {
  const rename = new Map<string, string>();
  for (const o of wanted) {
    if (o.from === o.name) continue;
    if (rename.has(o.from) || wanted.some((w) => w.name === o.from)) {
      throw new MsatError(
        'ONNX_UNSUPPORTED_OP',
        `${source}: graph output "${o.name}" is a copy of another output ("${o.from}"); msat needs distinct outputs`,
      );
    }
    rename.set(o.from, o.name);
  }
  if (rename.size === 0) return [...layers];
  const r = (x: string): string => rename.get(x) ?? x;
  return layers.map((l) => ({ ...l, inputs: l.inputs.map(r), output: r(l.output) }));
}

/** Suffixes duplicate layer names (ONNX does not require node names to be unique) and names unnamed layers. */
function uniqueNames(layers: readonly Layer[]): Layer[] {
  const seen = new Set<string>();
  return layers.map((l, i) => {
    let name = l.name || `${l.kind}_${i}`;
    for (let k = 1; seen.has(name); k++) name = `${l.name || l.kind}_${k}`;
    seen.add(name);
    return name === l.name ? l : { ...l, name };
  });
}
