/**
 * NIR graphs as HDF5 files, in the layout of the reference writer (`nir.write`, neuromorphs/NIR
 * `nir/serialization.py`), so that `nir.read` and h5py open them: a root `version` string, and a group `node`
 * holding `type` = "NIRGraph", `edges` (a [E, 2] array of strings) and a group `nodes` with one group per node.
 * A node group holds `type` (the class name) and one dataset per parameter: float32 arrays (gzip, one chunk),
 * int64 scalars and int64 vectors, every string a variable-length UTF-8 string as h5py's `string_dtype()`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import h5wasm, { type Dataset, type Group } from 'h5wasm/node';
import { MsatError, sizeOf } from '../core/index.js';
import type { NirArray, NirGraph, NirNode } from './nir-graph.js';

/** How each parameter of each node type is stored: float32 array, int64 scalar, int64 vector; `?` marks optional fields. */
type FieldKind = 'f32' | 'int' | 'ints' | 'pair';
const FIELDS: Readonly<Record<NirNode['type'], Readonly<Record<string, FieldKind | `${FieldKind}?`>>>> = {
  Input: { shape: 'ints' },
  Output: { shape: 'ints' },
  Conv1d: { input_shape: 'int?', weight: 'f32', stride: 'int', padding: 'int', dilation: 'int', groups: 'int', bias: 'f32' },
  Conv2d: { input_shape: 'pair?', weight: 'f32', stride: 'pair', padding: 'pair', dilation: 'pair', groups: 'int', bias: 'f32' },
  Affine: { weight: 'f32', bias: 'f32' },
  Linear: { weight: 'f32' },
  IF: { r: 'f32', v_threshold: 'f32', v_reset: 'f32?' },
  Scale: { scale: 'f32' },
  Flatten: { input_type: 'ints?', start_dim: 'int', end_dim: 'int' },
  AvgPool2d: { kernel_size: 'pair', stride: 'pair', padding: 'pair' },
  SumPool2d: { kernel_size: 'pair', stride: 'pair', padding: 'pair' },
};

const ready = async (): Promise<typeof h5wasm> => {
  await h5wasm.ready;
  return h5wasm;
};

function writeField(group: Group, name: string, kind: FieldKind, value: unknown): void {
  if (kind === 'f32') {
    const a = value as NirArray;
    const chunked = a.dims.length > 0 && a.data.length > 0;
    group.create_dataset({
      name,
      data: a.data,
      shape: [...a.dims],
      dtype: '<f',
      ...(chunked ? { chunks: [...a.dims], compression: 'gzip' as const } : {}),
    });
  } else if (kind === 'int') {
    group.create_dataset({ name, data: BigInt64Array.of(BigInt(value as number)), shape: [], dtype: '<q' });
  } else {
    const ints = value as readonly number[];
    group.create_dataset({ name, data: BigInt64Array.from(ints, (v) => BigInt(v)), shape: [ints.length], dtype: '<q' });
  }
}

/**
 * Writes `graph` to `path` as a NIR HDF5 file (replacing it atomically: written to a temporary sibling, then
 * renamed). Readable by `nir.read(path)` in Python and by `readNir`.
 */
export async function writeNir(graph: NirGraph, path: string): Promise<void> {
  const h5 = await ready();
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    const file = new h5.File(tmp, 'w');
    try {
      file.create_dataset({ name: 'version', data: graph.version });
      const root = file.create_group('node');
      root.create_dataset({ name: 'type', data: 'NIRGraph' });
      root.create_dataset({ name: 'edges', data: graph.edges.flatMap(([a, b]) => [a, b]), shape: [graph.edges.length, 2] });
      const nodes = root.create_group('nodes');
      for (const [name, node] of graph.nodes) {
        const group = nodes.create_group(name);
        group.create_dataset({ name: 'type', data: node.type });
        const values = node as unknown as Record<string, unknown>;
        for (const [field, spec] of Object.entries(FIELDS[node.type])) {
          if (values[field] === undefined) continue;
          writeField(group, field, spec.replace('?', '') as FieldKind, values[field]);
        }
      }
    } finally {
      file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

const fail = (path: string, what: string): never => {
  throw new MsatError('NIR_FILE', `${path}: ${what}`);
};

function dataset(group: Group, name: string, path: string, where: string): Dataset | undefined {
  const entry = group.keys().includes(name) ? group.get(name) : null;
  if (entry === null) return undefined;
  if (!(entry instanceof h5wasm.Dataset)) fail(path, `${where}/${name} is not a dataset`);
  return entry as Dataset;
}

function readString(group: Group, name: string, path: string, where: string): string {
  const value = dataset(group, name, path, where)?.value;
  if (typeof value !== 'string') fail(path, `${where}/${name} is missing or not a string`);
  return value as string;
}

function readField(d: Dataset, kind: FieldKind, path: string, where: string): unknown {
  const value = d.value;
  const shape = d.shape ?? [];
  const numbers = (): number[] => {
    if (typeof value === 'number' || typeof value === 'bigint') return [Number(value)];
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, Number);
    return fail(path, `${where} is not numeric`);
  };
  if (kind === 'f32') {
    const data = value instanceof Float32Array ? value : Float32Array.from(numbers());
    return { type: 'float32', dims: shape, data } satisfies NirArray;
  }
  const ints = numbers();
  if (!ints.every(Number.isInteger)) fail(path, `${where} must hold integers`);
  if (kind === 'int') {
    if (ints.length !== 1) fail(path, `${where} must be one integer, has shape [${shape.join(', ')}]`);
    return ints[0];
  }
  // a pair stored as one integer (older writers) applies to both axes, as `nir.Conv2d` does
  if (kind === 'pair') return ints.length === 1 ? [ints[0], ints[0]] : ints.length === 2 ? ints : fail(path, `${where} must be two integers`);
  return ints;
}

/** HDF5's format signature, found at byte 0, 512, 1024, 2048, … of a file (the superblock's possible offsets). */
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function hasHdf5Signature(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let at = 0; at + head.length <= size; at = at === 0 ? 512 : at * 2) {
      await handle.read(head, 0, head.length, at);
      if (head.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a NIR HDF5 file written by `writeNir` or `nir.write` (node types `Input`, `Output`, `Conv1d`, `Conv2d`,
 * `Affine`, `Linear`, `IF`, `Scale`, `Flatten`, `AvgPool2d`, `SumPool2d`; metadata is ignored). A file that is not
 * HDF5, or lacks a field, or holds another node type, is a NIR_FILE error naming the path and the field.
 */
export async function readNir(path: string): Promise<NirGraph> {
  if (!existsSync(path)) fail(path, 'no such file');
  if (!(await hasHdf5Signature(path))) fail(path, 'not an HDF5 file (no HDF5 signature)');
  const h5 = await ready();
  let file: InstanceType<typeof h5.File>;
  try {
    file = new h5.File(path, 'r');
  } catch (e) {
    return fail(path, `not a readable HDF5 file (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const version = readString(file, 'version', path, '');
    const root = file.keys().includes('node') ? file.get('node') : null;
    if (!(root instanceof h5.Group)) fail(path, '/node group is missing');
    const graph = root as Group;
    const type = readString(graph, 'type', path, '/node');
    if (type !== 'NIRGraph') fail(path, `/node/type is "${type}", expected "NIRGraph"`);
    const edgeSet = dataset(graph, 'edges', path, '/node');
    const flat = edgeSet?.value;
    if (!edgeSet || !Array.isArray(flat) || !flat.every((s) => typeof s === 'string') || flat.length % 2 !== 0) {
      fail(path, '/node/edges is missing or not a [E, 2] array of strings');
    }
    const names = flat as string[];
    const edges = Array.from({ length: names.length / 2 }, (_, i) => [names[2 * i], names[2 * i + 1]] as const);
    const nodesGroup = graph.keys().includes('nodes') ? graph.get('nodes') : null;
    if (!(nodesGroup instanceof h5.Group)) fail(path, '/node/nodes group is missing');
    const nodes = new Map<string, NirNode>();
    for (const name of (nodesGroup as Group).keys()) {
      const where = `/node/nodes/${name}`;
      const group = (nodesGroup as Group).get(name);
      if (!(group instanceof h5.Group)) fail(path, `${where} is not a group`);
      const nodeType = readString(group as Group, 'type', path, where) as NirNode['type'];
      const fields = FIELDS[nodeType];
      if (!fields) fail(path, `${where}/type "${nodeType}" is not a node type msat reads (${Object.keys(FIELDS).join(', ')})`);
      const node: Record<string, unknown> = { type: nodeType };
      for (const [field, spec] of Object.entries(fields)) {
        const d = dataset(group as Group, field, path, where);
        if (!d) {
          if (!spec.endsWith('?')) fail(path, `${where}/${field} is missing`);
          continue;
        }
        node[field] = readField(d, spec.replace('?', '') as FieldKind, path, `${where}/${field}`);
      }
      if (nodeType === 'IF' && node.v_reset === undefined) {
        const thr = node.v_threshold as NirArray;
        node.v_reset = { type: 'float32', dims: thr.dims, data: new Float32Array(sizeOf(thr.dims)) } satisfies NirArray; // nir.read's default
      }
      nodes.set(name, node as unknown as NirNode);
    }
    for (const [a, b] of edges) {
      for (const end of [a, b]) if (!nodes.has(end)) fail(path, `/node/edges: edge ${a} -> ${b} names no node "${end}"`);
    }
    return { version, nodes, edges };
  } finally {
    file.close();
  }
}
