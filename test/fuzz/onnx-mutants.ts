/**
 * Mutants of real ONNX models (the test fixtures: an MNIST CNN, a speech CNN with batch norm, a text CNN with an
 * embedding, a residual network, a VGG block with a reshape) and what importing them must do: give a network whose
 * shapes are whole (every dimension a positive integer after the batch), or throw one `MsatError` of an
 * `ONNX_*` or `MODEL_*` code whose single-line message names the file (and, for an operator msat does not map, the
 * operator). Damage is done to the bytes (a byte overwritten, the file cut short) and to the protobuf
 * (an operator, opset, attribute, input name, dimension, data type, data length or integer constant changed, an
 * initializer dropped).
 * Used by test/unit/fuzz-onnx.test.ts and scripts/fuzz.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import { isMsatError } from '../../src/core/index.js';
import { loadNetwork } from '../../src/model/index.js';
import type { Outcome } from './file-mutants.js';

const { onnx } = onnxProto;
const ROOT = join(import.meta.dirname, '..', '..');

/** The models mutated: small real networks covering the layer kinds and operators msat imports. */
export const ONNX_SEEDS: readonly string[] = ['quickstart-mnist', 'speech_cnn', 'text_cnn', 'resnet_gap', 'vgg_bn'].map((n) =>
  join(ROOT, 'test', 'fixtures', `${n}.onnx`),
);

/** One mutation of a model, applied to seed `model` (an index into `ONNX_SEEDS`, modulo). */
export type OnnxMutation = { readonly model: number } & (
  | { readonly kind: 'byte'; readonly fraction: number; readonly byte: number }
  | { readonly kind: 'truncate'; readonly fraction: number }
  | { readonly kind: 'op-type'; readonly at: number; readonly opType: string; readonly domain: string }
  | { readonly kind: 'opset'; readonly version: number }
  | { readonly kind: 'attribute'; readonly at: number; readonly which: number; readonly value: number; readonly form: 'one' | 'all' | 'empty' }
  | { readonly kind: 'node-input'; readonly at: number; readonly which: number; readonly name: string | number | null }
  | { readonly kind: 'drop-initializer'; readonly at: number }
  | { readonly kind: 'dim'; readonly at: number; readonly value: number | 'symbolic' | 'drop' }
  | { readonly kind: 'data-type'; readonly at: number; readonly dataType: number }
  | { readonly kind: 'raw-data'; readonly at: number; readonly delta: number }
  | { readonly kind: 'constant'; readonly at: number; readonly which: number; readonly value: number }
);

/** Operators a damaged or foreign file may name: unsupported ones, control flow, and supported ones out of place. */
const OP_TYPES = [
  'LSTM',
  'NonMaxSuppression',
  'If',
  'Loop',
  'Bogus',
  '',
  'relu',
  'Relu',
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Softmax',
  'Sigmoid',
  'Reshape',
  'Flatten',
  'Transpose',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'BatchNormalization',
  'Concat',
  'Gather',
  'Identity',
  'Dropout',
  'Constant',
  'Shape',
  'Pad',
  'Slice',
  'Squeeze',
  'Unsqueeze',
];

/** Integers a damaged header may hold: zero, negative, tiny, huge, beyond 2^31 and 2^53. */
const INTS = [0, 1, -1, 2, 3, 5, 7, 64, 1000, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53, -(2 ** 53)];

/**
 * A position in the file as a fraction of its length, uniform: fast-check's doubles crowd near 0 and 1 (their
 * bias toward edge values and their spread over the exponent), which would put nearly every flip or cut in the
 * first or last bytes. Those ends are covered anyway: 1 in 8 positions is within the first or last 1 %.
 */
export const filePosition: fc.Arbitrary<number> = fc.oneof(
  { weight: 7, arbitrary: fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })).map((n) => n / 2 ** 30) },
  { weight: 1, arbitrary: fc.noBias(fc.integer({ min: 0, max: 2 ** 20 })).map((n) => (n % 2 === 0 ? n / 2 ** 27 : 1 - n / 2 ** 27)) },
);

/** An index into some list of the model (taken modulo its length), uniform. */
const index = fc.noBias(fc.nat());

export const onnxMutations: fc.Arbitrary<OnnxMutation> = fc
  .tuple(
    index,
    fc.oneof(
      fc.record({ kind: fc.constant('byte' as const), fraction: filePosition, byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), fraction: filePosition }),
      fc.record({
        kind: fc.constant('op-type' as const),
        at: index,
        opType: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...OP_TYPES) }, fc.string({ maxLength: 6 })),
        domain: fc.constantFrom('', '', '', 'ai.onnx', 'com.microsoft', 'ai.onnx.ml'),
      }),
      fc.record({ kind: fc.constant('opset' as const), version: fc.constantFrom(0, -1, 1, 7, 10, 11, 13, 17, 18, 21, 1000) }),
      fc.record({
        kind: fc.constant('attribute' as const),
        at: index,
        which: index,
        value: fc.oneof(fc.constantFrom(...INTS), fc.double()),
        form: fc.constantFrom('one' as const, 'all' as const, 'empty' as const),
      }),
      fc.record({
        kind: fc.constant('node-input' as const),
        at: index,
        which: index,
        name: fc.oneof(fc.constant(null), fc.constant(''), fc.constant('no_such_tensor'), fc.nat()),
      }),
      fc.record({ kind: fc.constant('drop-initializer' as const), at: index }),
      fc.record({
        kind: fc.constant('dim' as const),
        at: index,
        value: fc.oneof(fc.constantFrom(...INTS), fc.constantFrom('symbolic' as const, 'drop' as const)),
      }),
      fc.record({ kind: fc.constant('data-type' as const), at: index, dataType: fc.integer({ min: 0, max: 25 }) }),
      fc.record({ kind: fc.constant('raw-data' as const), at: index, delta: fc.constantFrom(-1_000_000, -8, -4, -2, -1, 1, 2, 4, 8, 1000) }),
      fc.record({
        kind: fc.constant('constant' as const),
        at: index,
        which: index,
        value: fc.oneof(fc.constantFrom(...INTS), fc.integer({ min: -5, max: 5 })),
      }),
    ),
  )
  // the integer constants (Pad's pads, Reshape's shape glue) are in the VGG block
  .map(([model, m]) => ({ model: m.kind === 'constant' ? ONNX_SEEDS.findIndex((f) => f.endsWith('vgg_bn.onnx')) : model, ...m }));

/** A repeated field of a decoded message (protobufjs leaves an absent one as a shared, frozen empty array). */
function all<T>(list: T[] | null | undefined): T[] {
  return list ?? [];
}

type DimValue = number | 'symbolic' | 'drop';

/** Every dimension the file states: initializer dims and the shapes of the graph's inputs and outputs. */
function dimSlots(g: proto.IGraphProto): ((value: DimValue) => void)[] {
  const slots: ((value: DimValue) => void)[] = [];
  for (const t of all(g.initializer)) {
    const dims = all(t.dims);
    dims.forEach((_, i) => slots.push((v) => (v === 'drop' ? dims.splice(i, 1) : (dims[i] = v === 'symbolic' ? -1 : v))));
  }
  for (const v of [...all(g.input), ...all(g.output)]) {
    const dims = all(v.type?.tensorType?.shape?.dim);
    dims.forEach((d, i) =>
      slots.push((value) => {
        if (value === 'drop') dims.splice(i, 1);
        else if (value === 'symbolic') {
          d.dimValue = null;
          d.dimParam = 'S';
        } else {
          d.dimParam = null;
          d.dimValue = value;
        }
      }),
    );
  }
  return slots;
}

/** The seed's bytes with `m` applied. */
export function mutateOnnx(seed: Uint8Array, m: OnnxMutation): Uint8Array {
  if (m.kind === 'truncate') return seed.subarray(0, Math.floor(m.fraction * seed.length));
  if (m.kind === 'byte') {
    const bytes = Uint8Array.from(seed);
    bytes[Math.min(bytes.length - 1, Math.floor(m.fraction * bytes.length))] = m.byte;
    return bytes;
  }
  const model = onnx.ModelProto.decode(seed);
  const g = model.graph!;
  const nodes = all(g.node);
  const initializers = all(g.initializer);
  const pick = <T>(list: T[], at: number): T | undefined => (list.length === 0 ? undefined : list[at % list.length]);
  const int = (v: number): number => Math.trunc(v) || 0;
  const Attr = onnx.AttributeProto.AttributeType;
  switch (m.kind) {
    case 'op-type': {
      const node = pick(nodes, m.at)!;
      node.opType = m.opType;
      node.domain = m.domain;
      break;
    }
    case 'opset':
      all(model.opsetImport)[0].version = m.version;
      break;
    case 'attribute': {
      const a = pick(
        nodes.flatMap((n) => all(n.attribute)),
        m.at,
      );
      if (!a) break;
      if (a.type === Attr.INTS) {
        const ints = all(a.ints);
        if (m.form === 'empty') a.ints = [];
        else if (m.form === 'all') a.ints = ints.map(() => int(m.value));
        else if (ints.length > 0) a.ints = ints.map((x, i) => (i === m.which % ints.length ? int(m.value) : x));
      } else if (a.type === Attr.INT) a.i = int(m.value);
      else if (a.type === Attr.FLOAT) a.f = m.value;
      else if (a.type === Attr.STRING) a.s = new TextEncoder().encode(m.form === 'empty' ? '' : 'BOGUS');
      else if (a.type === Attr.TENSOR && a.t) a.t.dims = m.form === 'empty' ? [] : [int(m.value)];
      break;
    }
    case 'node-input': {
      const node = pick(nodes, m.at)!;
      const inputs = all(node.input);
      if (inputs.length === 0) break;
      const i = m.which % inputs.length;
      // another tensor of the graph: a node output, an initializer or a graph input
      const names = [...nodes.flatMap((n) => all(n.output)), ...initializers.map((t) => t.name ?? ''), ...all(g.input).map((v) => v.name ?? '')];
      const name = m.name === null ? undefined : typeof m.name === 'string' ? m.name : names[m.name % names.length];
      node.input = name === undefined ? inputs.filter((_, j) => j !== i) : inputs.map((x, j) => (j === i ? name : x));
      break;
    }
    case 'drop-initializer':
      if (initializers.length > 0) g.initializer = initializers.filter((_, j) => j !== m.at % initializers.length);
      break;
    case 'dim':
      pick(dimSlots(g), m.at)?.(m.value);
      break;
    case 'data-type': {
      const t = pick(initializers, m.at);
      if (t) t.dataType = m.dataType;
      break;
    }
    case 'constant': {
      // one value of an integer Constant: the shapes, indices, axes and pads that constant folding reads
      const t = pick(
        nodes
          .filter((n) => n.opType === 'Constant')
          .flatMap((n) => all(n.attribute).flatMap((a) => (a.t?.dataType === 7 && a.t.rawData?.length ? [a.t] : []))),
        m.at,
      );
      if (!t?.rawData) break;
      const raw = Uint8Array.from(t.rawData);
      new DataView(raw.buffer).setBigInt64(8 * (m.which % (raw.length / 8)), BigInt(m.value), true);
      t.rawData = raw;
      break;
    }
    case 'raw-data': {
      const t = pick(
        initializers.filter((x) => (x.rawData?.length ?? 0) > 0),
        m.at,
      );
      if (!t?.rawData) break;
      const length = Math.max(0, t.rawData.length + m.delta);
      const raw = new Uint8Array(length);
      raw.set(t.rawData.subarray(0, Math.min(length, t.rawData.length)));
      t.rawData = raw;
      break;
    }
  }
  return onnx.ModelProto.encode(model).finish();
}

/** A mutation as one line of JSON, for failure messages. */
export function describeOnnxMutation(m: OnnxMutation): string {
  return JSON.stringify(m, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/**
 * Writes the mutant to `path`, imports it as msat does (`loadNetwork`, what `loadModel` and every command use) and returns the outcome; throws (fails the
 * property) for anything but a network with whole shapes or a one-line `ONNX_*` / `MODEL_*` error naming `path`.
 */
export async function importMutant(path: string, seeds: readonly Uint8Array[], m: OnnxMutation): Promise<Outcome> {
  writeFileSync(path, mutateOnnx(seeds[m.model % seeds.length], m));
  const what = (): string => `${describeOnnxMutation(m)} of ${ONNX_SEEDS[m.model % ONNX_SEEDS.length]}`;
  let network;
  try {
    network = await loadNetwork(path);
  } catch (e) {
    if (!isMsatError(e)) throw new Error(`${what()} gave a ${e instanceof Error ? e.name : typeof e}: ${String(e)}`);
    if (!/^(ONNX|MODEL)_/.test(e.code)) throw new Error(`${what()} gave code ${e.code}: ${e.message}`);
    if (!e.message.includes(path) || e.message.includes('\n'))
      throw new Error(`${what()}: the message must be one line naming the file: ${e.message}`);
    if (
      m.kind === 'op-type' &&
      e.code === 'ONNX_UNSUPPORTED_OP' &&
      / uses operator /.test(e.message) &&
      !e.message.includes(`operator ${m.domain && m.domain !== 'ai.onnx' ? `${m.domain}::` : ''}${m.opType},`)
    )
      throw new Error(`${what()}: an unsupported operator must be named: ${e.message}`);
    return 'refused';
  }
  for (const layer of network.layers) {
    const [, ...rest] = layer.outShape;
    if (rest.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1))
      throw new Error(`${what()} was imported with layer "${layer.name}" (${layer.kind}) of shape [${layer.outShape.join(', ')}]`);
  }
  return 'accepted';
}

/** Runs `cases` seeded mutants over the seed models; returns the outcome counts per kind of damage. */
export async function fuzzOnnx(dir: string, cases: number, seed = 0): Promise<Map<string, Record<Outcome, number>>> {
  const seeds = ONNX_SEEDS.map((f) => new Uint8Array(readFileSync(f)));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'mutant.onnx');
  const counts = new Map<string, Record<Outcome, number>>();
  await fc.assert(
    fc.asyncProperty(onnxMutations, async (m) => {
      const outcome = await importMutant(path, seeds, m);
      const row = counts.get(m.kind) ?? { accepted: 0, refused: 0 };
      row[outcome]++;
      counts.set(m.kind, row);
    }),
    // a mutant whose import takes this long hangs
    { numRuns: cases, seed, endOnFailure: true, timeout: 20_000 },
  );
  return counts;
}
