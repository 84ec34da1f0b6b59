/**
 * Constant folding of ONNX nodes whose inputs are constants or shapes. PyTorch exports `x.view(x.size(0), -1)`
 * as `Shape -> Gather -> Unsqueeze -> Concat -> Reshape`; evaluating that chain here with the batch size kept
 * as the symbol `'N'` turns it into one static reshape target. Values are small (shape vectors) except when a
 * weight is transposed or scaled, which stays in a Float32Array. Pure functions, no onnxruntime.
 */
import { MsatError, type DataType, type Tensor } from '../core/index.js';
import type { OnnxNode } from '../onnx/index.js';
import { describeNode, readFloat, readInt, readInts, type NodeContext } from './attributes.js';
import type { Dim, Shape } from './layer-types.js';
import { normalizeAxis } from './shape-utils.js';

/** A constant during import: like a `Tensor`, but int entries may be the batch symbol `'N'`. */
export interface ConstValue {
  readonly type: DataType;
  readonly dims: readonly number[];
  readonly values: ArrayLike<Dim>;
}

/** Operators `foldNode` can evaluate when their inputs are constant (`Shape` only needs a known shape). */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set([
  'Constant',
  'ConstantOfShape',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Reshape',
  'Flatten',
  'Transpose',
  'Cast',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Slice',
  'Identity',
  'Range',
  'Neg',
]);

/** A tensor as a constant (int64 entries become JS numbers). */
export function constFromTensor(t: Tensor): ConstValue {
  const values = t.type === 'int64' ? Array.from(t.data as BigInt64Array, (v) => Number(v)) : (t.data as Float32Array | Int32Array);
  return { type: t.type, dims: [...t.dims], values };
}

/** The constant as a tensor, or undefined if it still contains the batch symbol. */
export function constToTensor(c: ConstValue): Tensor | undefined {
  const n = c.values.length;
  for (let i = 0; i < n; i++) if (c.values[i] === 'N') return undefined;
  const nums = c.values as ArrayLike<number>;
  if (c.type === 'float32') return { type: 'float32', dims: [...c.dims], data: nums instanceof Float32Array ? nums : Float32Array.from(nums) };
  if (c.type === 'int32') return { type: 'int32', dims: [...c.dims], data: Int32Array.from(nums) };
  return { type: 'int64', dims: [...c.dims], data: BigInt64Array.from(Array.from(nums, (v) => BigInt(v))) };
}

/** The entries of a small constant as a plain array (for axes, shapes, indices). */
export function constEntries(c: ConstValue): Dim[] {
  return Array.from(c.values);
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** Output storage: a Float32Array for float32 results of numeric inputs, else a plain array (which can hold 'N'). */
function allocate(type: DataType, n: number, ...from: ArrayLike<Dim>[]): Dim[] | Float32Array {
  const typed = type === 'float32' && from.every((v) => v instanceof Float32Array);
  if (!Number.isSafeInteger(n) || n < 0 || n > (typed ? MAX_FOLDED_FLOATS : MAX_FOLDED_ENTRIES)) throw new RangeError(`a constant of ${n} elements`);
  return typed ? new Float32Array(n) : new Array<Dim>(n);
}

/** Builds a constant of `dims` whose element at each output multi-index is `src.values[index(multi)]`. */
function remap(src: ConstValue, dims: readonly number[], index: (multi: readonly number[]) => number): ConstValue {
  const n = size(dims);
  const out = allocate(src.type, n, src.values);
  const multi = new Array<number>(dims.length).fill(0);
  for (let f = 0; f < n; f++) {
    (out as Dim[])[f] = src.values[index(multi)];
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++multi[a] < dims[a]) break;
      multi[a] = 0;
    }
  }
  return { type: src.type, dims: [...dims], values: out };
}

function numbers(c: ConstValue): number[] | undefined {
  const e = constEntries(c);
  return e.some((v) => v === 'N') ? undefined : (e as number[]);
}

function axesFrom(ctx: NodeContext, inputs: readonly (ConstValue | undefined)[], index: number): number[] | undefined {
  const fromInput = inputs[index];
  return fromInput ? numbers(fromInput) : readInts(ctx, 'axes');
}

/**
 * Evaluates `ctx.node` if possible. `inputs[i]` is the constant value of input i (undefined if dynamic),
 * `shapes[i]` its shape (known for every dynamic tensor). Returns one value per node output, or undefined when
 * the node is not foldable (then it must become a layer, or it is unsupported).
 */
export function foldNode(
  ctx: NodeContext,
  inputs: readonly (ConstValue | undefined)[],
  shapes: readonly (Shape | undefined)[],
): ConstValue[] | undefined {
  const node: OnnxNode = ctx.node;
  if (!FOLDABLE_OPS.has(node.opType) || node.domain !== '') return undefined;
  if (node.opType === 'Shape') {
    const shape = inputs[0]?.dims ?? shapes[0];
    if (!shape) return undefined;
    const rank = shape.length;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const part = shape.slice(clamp(readInt(ctx, 'start', 0)), clamp(readInt(ctx, 'end', rank)));
    return [{ type: 'int64', dims: [part.length], values: part }];
  }
  if (node.inputs.some((name, i) => name !== '' && inputs[i] === undefined)) return undefined;
  let result: ConstValue | undefined;
  try {
    result = evaluate(ctx, inputs);
  } catch (e) {
    // Inconsistent constants (a corrupt file) can make array sizes invalid; report the node, not a RangeError.
    throw new MsatError(
      'ONNX_MALFORMED',
      `${describeNode(ctx)}: cannot evaluate its constant inputs (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  if (result && (result.dims.some((d) => !Number.isSafeInteger(d) || d < 0) || size(result.dims) !== result.values.length)) {
    throw new MsatError(
      'ONNX_MALFORMED',
      `${describeNode(ctx)}: its constant inputs give an inconsistent result of shape [${result.dims.join(', ')}]`,
    );
  }
  return result === undefined ? undefined : [result];
}

/**
 * Largest constants folding may create: float32 results (transposed or scaled weights) up to 2^28 elements,
 * other results (shape vectors, indices, held in plain arrays) up to 2^24. Beyond that the shapes are corrupt.
 */
const MAX_FOLDED_FLOATS = 1 << 28;
const MAX_FOLDED_ENTRIES = 1 << 24;

function evaluate(ctx: NodeContext, inputs: readonly (ConstValue | undefined)[]): ConstValue | undefined {
  const x = inputs[0];
  switch (ctx.node.opType) {
    case 'Constant':
      return constantAttribute(ctx);
    case 'Identity':
      return x;
    case 'ConstantOfShape': {
      const dims = x && numbers(x);
      const a = ctx.node.attributes.value;
      if (!dims || (a && a.type !== 'tensor')) return undefined;
      const v = a && a.type === 'tensor' ? constFromTensor(a.value) : { type: 'float32' as const, dims: [1], values: [0] };
      const out = allocate(v.type, size(dims));
      (out as Dim[]).fill(v.values[0]);
      return { type: v.type, dims, values: out };
    }
    case 'Gather': {
      const ind = inputs[1];
      const axis = x && normalizeAxis(readInt(ctx, 'axis', 0), x.dims.length);
      const idx = ind && numbers(ind);
      if (!x || !ind || axis === undefined || !idx) return undefined;
      const len = x.dims[axis];
      if (idx.some((i) => i < -len || i >= len)) return undefined;
      const dims = [...x.dims.slice(0, axis), ...ind.dims, ...x.dims.slice(axis + 1)];
      const st = stridesOf(x.dims);
      const indStrides = stridesOf(ind.dims);
      return remap(x, dims, (m) => {
        let src = 0;
        for (let a = 0; a < axis; a++) src += m[a] * st[a];
        let j = 0;
        for (let a = 0; a < ind.dims.length; a++) j += m[axis + a] * indStrides[a];
        const i = idx[j] < 0 ? idx[j] + len : idx[j];
        src += i * st[axis];
        for (let a = axis + 1; a < x.dims.length; a++) src += m[a + ind.dims.length - 1] * st[a];
        return src;
      });
    }
    case 'Unsqueeze': {
      const axes = x && axesFrom(ctx, inputs, 1);
      if (!x || !axes) return undefined;
      const rank = x.dims.length + axes.length;
      const norm = axes.map((a) => normalizeAxis(a, rank));
      if (norm.some((a) => a === undefined)) return undefined;
      const dims: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) dims.push(norm.includes(i) ? 1 : x.dims[k++]);
      return { ...x, dims };
    }
    case 'Squeeze': {
      if (!x) return undefined;
      const axes = axesFrom(ctx, inputs, 1);
      const norm = axes ? axes.map((a) => normalizeAxis(a, x.dims.length)) : x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
      if (norm.some((a) => a === undefined || x.dims[a] !== 1)) return undefined;
      return { ...x, dims: x.dims.filter((_, i) => !norm.includes(i)) };
    }
    case 'Reshape': {
      const target = inputs[1] && numbers(inputs[1]);
      if (!x || !target) return undefined;
      const allowZero = readInt(ctx, 'allowzero', 0) === 1;
      const dims = target.map((d, i) => (d === 0 && !allowZero ? x.dims[i] : d));
      const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const resolved = dims.map((d) => (d === -1 ? size(x.dims) / known : d));
      if (size(resolved) !== size(x.dims) || resolved.some((d) => !Number.isInteger(d))) return undefined;
      return { ...x, dims: resolved };
    }
    case 'Flatten': {
      const axis = x && (readInt(ctx, 'axis', 1) < 0 ? readInt(ctx, 'axis', 1) + x.dims.length : readInt(ctx, 'axis', 1));
      if (!x || axis === undefined || axis < 0 || axis > x.dims.length) return undefined;
      return { ...x, dims: [size(x.dims.slice(0, axis)), size(x.dims.slice(axis))] };
    }
    case 'Concat': {
      const parts = inputs.filter((v): v is ConstValue => v !== undefined);
      const axis = normalizeAxis(readInt(ctx, 'axis', 0), parts[0]?.dims.length ?? 0);
      if (parts.length === 0 || axis === undefined) return undefined;
      const ref = parts[0].dims;
      if (parts.some((p) => p.dims.length !== ref.length || p.dims.some((d, i) => i !== axis && d !== ref[i]))) return undefined;
      const outer = size(parts[0].dims.slice(0, axis));
      const chunks = parts.map((p) => size(p.dims.slice(axis)));
      const dims = [...parts[0].dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
      const out = allocate(parts[0].type, size(dims), ...parts.map((p) => p.values)) as Dim[];
      let f = 0;
      for (let o = 0; o < outer; o++) {
        parts.forEach((p, k) => {
          for (let i = 0; i < chunks[k]; i++) out[f++] = p.values[o * chunks[k] + i];
        });
      }
      return { type: parts[0].type, dims, values: out };
    }
    case 'Transpose': {
      if (!x) return undefined;
      const perm = readInts(ctx, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      const st = stridesOf(x.dims);
      return remap(
        x,
        perm.map((p) => x.dims[p]),
        (m) => m.reduce((s, v, a) => s + v * st[perm[a]], 0),
      );
    }
    case 'Slice':
      return slice(inputs);
    case 'Cast':
      return x && cast(x, readInt(ctx, 'to', 0));
    case 'Neg':
      return x && unary(x, (v) => -v);
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return inputs[1] && x && binary(ctx.node.opType, x, inputs[1]);
    case 'Range': {
      const [start, limit, delta] = inputs.map((v) => v && numbers(v)?.[0]);
      if (start === undefined || limit === undefined || !delta || !x) return undefined;
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      const out = allocate(x.type, n) as Dim[];
      for (let i = 0; i < n; i++) out[i] = start + i * delta;
      return { type: x.type, dims: [n], values: out };
    }
    default:
      return undefined;
  }
}

function constantAttribute(ctx: NodeContext): ConstValue | undefined {
  const a = ctx.node.attributes;
  if (a.value?.type === 'tensor') return constFromTensor(a.value.value);
  if (a.value_float) return { type: 'float32', dims: [], values: [readFloat(ctx, 'value_float', 0)] };
  if (a.value_floats?.type === 'floats')
    return { type: 'float32', dims: [a.value_floats.value.length], values: Float32Array.from(a.value_floats.value) };
  if (a.value_int) return { type: 'int64', dims: [], values: [readInt(ctx, 'value_int', 0)] };
  if (a.value_ints?.type === 'ints') return { type: 'int64', dims: [a.value_ints.value.length], values: [...a.value_ints.value] };
  return undefined;
}

function slice(inputs: readonly (ConstValue | undefined)[]): ConstValue | undefined {
  const [x, s, e, ax, st] = inputs;
  const starts = s && numbers(s);
  const ends = e && numbers(e);
  if (!x || !starts || !ends) return undefined;
  const axes = ax ? numbers(ax) : starts.map((_, i) => i);
  const steps = st ? numbers(st) : starts.map(() => 1);
  if (!axes || !steps || steps.some((v) => v === 0)) return undefined;
  const begin = x.dims.map(() => 0);
  const step = x.dims.map(() => 1);
  const dims = [...x.dims];
  for (let k = 0; k < axes.length; k++) {
    const a = normalizeAxis(axes[k], x.dims.length);
    if (a === undefined) return undefined;
    const len = x.dims[a];
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + len : v, lo), hi);
    const b = steps[k] > 0 ? clamp(starts[k], 0, len) : clamp(starts[k], -1, len - 1);
    const en = steps[k] > 0 ? clamp(ends[k], 0, len) : clamp(ends[k], -1, len - 1);
    begin[a] = b;
    step[a] = steps[k];
    dims[a] = Math.max(0, Math.ceil((en - b) / steps[k]));
  }
  const strides = stridesOf(x.dims);
  return remap(x, dims, (m) => m.reduce((sum, v, a) => sum + (begin[a] + v * step[a]) * strides[a], 0));
}

function cast(x: ConstValue, to: number): ConstValue | undefined {
  // ONNX elem types: FLOAT 1, INT32 6, INT64 7, FLOAT16 10, DOUBLE 11 (msat keeps all floats as float32).
  const type: DataType | undefined = to === 1 || to === 10 || to === 11 ? 'float32' : to === 6 ? 'int32' : to === 7 ? 'int64' : undefined;
  if (!type) return undefined;
  const conv = (v: Dim): Dim => (v === 'N' ? v : type === 'float32' ? Math.fround(v) : Math.trunc(v));
  const out = allocate(type, x.values.length, x.values) as Dim[];
  for (let i = 0; i < x.values.length; i++) out[i] = conv(x.values[i]);
  return { type, dims: [...x.dims], values: out };
}

function unary(x: ConstValue, f: (v: number) => number): ConstValue | undefined {
  const v = numbers(x);
  if (!v) return undefined;
  const out = allocate(x.type, v.length) as Dim[];
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]);
  return { ...x, values: out };
}

function binary(op: string, a: ConstValue, b: ConstValue): ConstValue | undefined {
  const va = numbers(a);
  const vb = numbers(b);
  if (!va || !vb || a.type !== b.type) return undefined; // arithmetic on the batch symbol is not folded
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]): number[] => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (da[i] !== db[i] && da[i] !== 1 && db[i] !== 1) return undefined;
    dims.push(da[i] === 1 ? db[i] : da[i]);
  }
  const sa = stridesOf(da).map((s, i) => (da[i] === 1 ? 0 : s));
  const sb = stridesOf(db).map((s, i) => (db[i] === 1 ? 0 : s));
  const isFloat = a.type === 'float32';
  const f = (x: number, y: number): number => {
    const r = op === 'Add' ? x + y : op === 'Sub' ? x - y : op === 'Mul' ? x * y : x / y;
    return isFloat ? Math.fround(r) : Math.trunc(r);
  };
  if (!isFloat && op === 'Div' && vb.some((v) => v === 0)) return undefined;
  const n = size(dims);
  const out = allocate(a.type, n) as Dim[];
  const multi = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < rank; i++) {
      ia += multi[i] * sa[i];
      ib += multi[i] * sb[i];
    }
    out[k] = f(va[ia], vb[ib]);
    for (let i = rank - 1; i >= 0; i--) {
      if (++multi[i] < dims[i]) break;
      multi[i] = 0;
    }
  }
  return { type: a.type, dims, values: out };
}
