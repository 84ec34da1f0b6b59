/**
 * Reverse-mode differentiation that writes ONNX: the forward pass of every primitive emits its nodes into a
 * `GraphBuilder` and records, on this tape, a gradient rule that emits the backward nodes later. `backward`
 * is micrograd's `backward()`: one reverse sweep over the recorded ops (they are recorded in topological
 * order, so the reverse order is a valid reverse topological order), nothing else mixed in.
 *
 * Gradients are summed, never assigned: a tensor with several consumers (a residual branch point, a
 * parameter used twice) collects one contribution per consumer and gets a single `Sum` node before its own
 * producer's rule runs.
 *
 * Shapes are static except the batch dimension `'N'`, so rules that need a run-time shape (zeros like `x`,
 * a reshape back to `x`) emit `Shape(x)` instead of baking in a batch size: one step graph serves every
 * batch size, including a short last batch.
 */
import { MsatError, type DataType, type Tensor } from '../../core/index.js';
import type { Dim } from '../layer-types.js';
import { GraphBuilder, attr, type AttributeValue } from '../../onnx/index.js';

/** The ai.onnx opset of training graphs: 16 brings ScatterElements/ScatterND `reduction = 'add'`; ReduceMean keeps its `axes` attribute until 18. */
export const TRAIN_OPSET = 17;

/** A tensor of the graph being built, as the tape sees it. */
export interface Var {
  /** Position in the tape's creation order (a stable identity). */
  readonly id: number;
  /** The ONNX tensor name. */
  readonly name: string;
  /** Static shape; `'N'` (only at axis 0) is the batch. */
  readonly dims: readonly Dim[];
  /** Whether some gradient wanted by `backward` can flow through this tensor. */
  readonly requiresGrad: boolean;
}

/**
 * A gradient rule: given the name of dL/d(output) and which inputs need a gradient, emit nodes and return
 * dL/d(input) names (undefined where not needed, or where the input gets no gradient).
 */
export type GradRule = (gradOut: string, needs: readonly boolean[]) => readonly (string | undefined)[];

interface Recorded {
  readonly op: string;
  readonly inputs: readonly Var[];
  readonly output: Var;
  readonly rule: GradRule;
}

/** Records primitives as they emit their forward nodes; see the file comment. */
export class Tape {
  /** The graph everything is emitted into. */
  readonly g: GraphBuilder;
  readonly #recorded: Recorded[] = [];
  readonly #constants = new Map<string, string>();
  #nextId = 0;

  constructor(g: GraphBuilder = new GraphBuilder('msat-train')) {
    this.g = g;
  }

  /** A tensor that no recorded op produces (a graph input or constant already in the graph). */
  leaf(name: string, dims: readonly Dim[], requiresGrad: boolean): Var {
    return { id: this.#nextId++, name, dims: [...dims], requiresGrad };
  }

  /** Adds a graph input and returns it as a leaf. */
  input(name: string, type: DataType, dims: readonly Dim[], requiresGrad = false): Var {
    this.g.input(name, type, dims);
    return this.leaf(name, dims, requiresGrad);
  }

  /**
   * Records an op whose forward nodes the caller has just emitted, writing `output` of shape `dims`.
   * The result requires a gradient when any input does.
   */
  record(op: string, inputs: readonly Var[], output: string, dims: readonly Dim[], rule: GradRule): Var {
    const out: Var = { id: this.#nextId++, name: output, dims: [...dims], requiresGrad: inputs.some((v) => v.requiresGrad) };
    if (out.requiresGrad) this.#recorded.push({ op, inputs, output: out, rule });
    return out;
  }

  /** Emits one node with one fresh output (shorthand for `g.node`). */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    return this.g.node(opType, inputs, attributes);
  }

  /** An int64 1-D constant (cached by value), e.g. axes or shapes. */
  i64(values: readonly number[]): string {
    return this.#constant(`i64:${values.join(',')}`, 'const_i64', {
      type: 'int64',
      dims: [values.length],
      data: BigInt64Array.from(values.map((v) => BigInt(v))),
    });
  }

  /** A float32 scalar constant (cached by value). */
  f32(value: number): string {
    return this.#constant(`f32:${Object.is(value, -0) ? '-0' : value}`, 'const_f32', { type: 'float32', dims: [], data: Float32Array.of(value) });
  }

  /** A float32 constant tensor (not cached). */
  tensor(prefix: string, t: Tensor<'float32'>): string {
    return this.g.initializer(this.g.fresh(prefix), t);
  }

  /** `Shape(x)` (emitted once per tensor). */
  shapeOf(x: Var | string): string {
    const name = typeof x === 'string' ? x : x.name;
    return this.#constant(`shape:${name}`, '', undefined, () => this.node('Shape', [name]));
  }

  /** The batch size of `x` as a float32 scalar (emitted once per tensor). */
  batchSizeOf(x: Var): string {
    return this.#constant(`batch:${x.name}`, '', undefined, () => {
      const n = this.node('Gather', [this.shapeOf(x), this.i64([0])], { axis: attr.int(0) });
      return this.node('Reshape', [this.node('Cast', [n], { to: attr.int(1) }), this.i64([])]);
    });
  }

  /** Zeros shaped like `x` at run time. */
  zerosLike(x: Var): string {
    return this.node('ConstantOfShape', [this.shapeOf(x)], { value: attr.tensor({ type: 'float32', dims: [1], data: Float32Array.of(0) }) });
  }

  /**
   * Reverse sweep. `seeds` pairs output tensors with the names of their incoming gradients (a loss with a
   * constant 1, or an arbitrary tensor in tests). Returns the gradient name of every `wrt` tensor that
   * received one (unused parameters get none).
   */
  backward(seeds: readonly (readonly [Var, string])[], wrt: readonly Var[]): Map<Var, string> {
    const contributions = new Map<number, string[]>();
    const add = (v: Var, g: string): void => {
      const list = contributions.get(v.id);
      if (list) list.push(g);
      else contributions.set(v.id, [g]);
    };
    for (const [v, g] of seeds) add(v, g);
    const summed = new Map<number, string>();
    const total = (v: Var): string | undefined => {
      const done = summed.get(v.id);
      if (done !== undefined) return done;
      const list = contributions.get(v.id);
      if (!list) return undefined;
      // Several consumers: their contributions add up (micrograd's `+=`).
      const g = list.length === 1 ? list[0] : this.node('Sum', list);
      summed.set(v.id, g);
      return g;
    };
    for (let k = this.#recorded.length - 1; k >= 0; k--) {
      const r = this.#recorded[k];
      const gOut = total(r.output);
      if (gOut === undefined) continue;
      const needs = r.inputs.map((v) => v.requiresGrad);
      const grads = r.rule(gOut, needs);
      r.inputs.forEach((v, i) => {
        if (needs[i] && grads[i] !== undefined) add(v, grads[i]!);
      });
    }
    const out = new Map<Var, string>();
    for (const v of wrt) {
      const g = total(v);
      if (g !== undefined) out.set(v, g);
    }
    return out;
  }

  #constant(key: string, prefix: string, t: Tensor | undefined, make?: () => string): string {
    let name = this.#constants.get(key);
    if (name === undefined) {
      name = make ? make() : this.g.initializer(this.g.fresh(prefix), t!);
      this.#constants.set(key, name);
    }
    return name;
  }
}

/** The `'N'`-free part of a shape, for messages and constant shapes. */
export function staticDims(dims: readonly Dim[], what: string): number[] {
  return dims.map((d, i) => {
    if (d === 'N') {
      if (i !== 0) throw new MsatError('TRAIN_SHAPE', `${what}: batch dimension at axis ${i}`);
      return -1;
    }
    return d;
  });
}

/**
 * Sums `g` (shaped `from`) down to the broadcast operand shape `to` (NumPy rules), the gradient rule of any
 * broadcasting elementwise op.
 */
export function sumToShape(t: Tape, g: string, from: readonly Dim[], to: readonly Dim[]): string {
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead || (to[i - lead] === 1 && from[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return g;
  const s = t.node('ReduceSum', [g, t.i64(axes)], { keepdims: attr.int(1) });
  return lead > 0 || to.length !== from.length ? t.node('Reshape', [s, t.i64(staticDims(to, 'sumToShape'))]) : s;
}
