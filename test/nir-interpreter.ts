/**
 * A small discrete-time interpreter of NIR graphs, written from the NIR spec alone (it imports nothing of msat's
 * simulator), to check that an exported file computes what msat simulated. One call of `step` is one time step:
 * nodes run in topological order, each node's input is the sum of its incoming edges at the same step (the graph
 * must be acyclic). Node semantics (NIR primitives, per sample, no batch axis):
 *   Input x; Conv1d/Conv2d (PyTorch semantics, symmetric zero padding); Affine W·x + b; Linear W·x;
 *   IF: v ← v + r·x, z = [v > v_threshold], v ← v_reset where z = 1 (output z); Scale x ⊙ s;
 *   AvgPool2d/SumPool2d (zero padding counted in the average, as PyTorch); Flatten (a no-op on row-major data);
 *   Output: the summed input.
 * Arithmetic: products and sums in float64, each node's output and the IF membrane rounded to float32.
 */
import type { NirArray, NirGraph, NirNode } from '../src/export/nir.js';

/** Per-node state and the order to run nodes in. */
export interface NirProgram {
  readonly graph: NirGraph;
  readonly order: readonly string[];
  readonly inputsOf: ReadonlyMap<string, readonly string[]>;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** IF membranes, by node name. */
  readonly membranes: Map<string, Float32Array>;
  /** Spikes emitted so far by each IF node (all steps, all samples since creation). */
  readonly spikes: Map<string, number>;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function outputShape(node: NirNode, inShape: readonly number[]): number[] {
  switch (node.type) {
    case 'Input':
    case 'Output':
      return [...node.shape];
    case 'Conv1d': {
      const [o, , k] = node.weight.dims;
      return [o, Math.floor((inShape[1] + 2 * node.padding - node.dilation * (k - 1) - 1) / node.stride) + 1];
    }
    case 'Conv2d': {
      const [o, , kh, kw] = node.weight.dims;
      const out = (a: number, k: number) => Math.floor((inShape[a + 1] + 2 * node.padding[a] - node.dilation[a] * (k - 1) - 1) / node.stride[a]) + 1;
      return [o, out(0, kh), out(1, kw)];
    }
    case 'Affine':
    case 'Linear':
      return [node.weight.dims[0]];
    case 'IF':
      return [...node.r.dims];
    case 'Scale':
      return [...node.scale.dims];
    case 'Flatten':
      return [size(inShape)];
    case 'AvgPool2d':
    case 'SumPool2d': {
      const out = (a: number) => Math.floor((inShape[a + 1] + 2 * node.padding[a] - node.kernel_size[a]) / node.stride[a]) + 1;
      return [inShape[0], out(0), out(1)];
    }
  }
}

/** Orders the graph's nodes (Kahn) and infers every node's output shape from the Input node. */
export function compileNir(graph: NirGraph): NirProgram {
  const inputsOf = new Map<string, string[]>([...graph.nodes.keys()].map((n) => [n, []]));
  const indegree = new Map<string, number>([...graph.nodes.keys()].map((n) => [n, 0]));
  for (const [a, b] of graph.edges) {
    inputsOf.get(b)!.push(a);
    indegree.set(b, indegree.get(b)! + 1);
  }
  const ready = [...graph.nodes.keys()].filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const n = ready.shift()!;
    order.push(n);
    for (const [a, b] of graph.edges) {
      if (a !== n) continue;
      indegree.set(b, indegree.get(b)! - 1);
      if (indegree.get(b) === 0) ready.push(b);
    }
  }
  if (order.length !== graph.nodes.size) throw new Error('the NIR graph has a cycle');
  const shapes = new Map<string, readonly number[]>();
  const membranes = new Map<string, Float32Array>();
  const spikes = new Map<string, number>();
  for (const name of order) {
    const node = graph.nodes.get(name)!;
    const ins = inputsOf.get(name)!;
    const inShape = ins.length > 0 ? shapes.get(ins[0])! : node.type === 'Input' ? node.shape : [];
    for (const other of ins) {
      if (shapes.get(other)!.join() !== inShape.join()) throw new Error(`${name}: inputs of different shapes`);
    }
    shapes.set(name, outputShape(node, inShape));
    if (node.type === 'IF') {
      membranes.set(name, new Float32Array(size(node.r.dims)));
      spikes.set(name, 0);
    }
  }
  return { graph, order, inputsOf, shapes, membranes, spikes };
}

/** Sets every IF membrane to 0 (a new sample). */
export function resetNir(program: NirProgram): void {
  for (const v of program.membranes.values()) v.fill(0);
}

/** Zero-skipping convolution (a scatter over nonzero inputs: spike maps are mostly zeros). */
function conv(
  x: Float32Array,
  inShape: readonly number[],
  outShape: readonly number[],
  w: NirArray,
  bias: NirArray,
  stride: readonly number[],
  pad: readonly number[],
  dil: readonly number[],
  groups: number,
): Float32Array {
  const twoD = w.dims.length === 4;
  const [cOut, cInG] = w.dims;
  const kh = twoD ? w.dims[2] : 1;
  const kw = twoD ? w.dims[3] : w.dims[2];
  const [ih, iw] = twoD ? [inShape[1], inShape[2]] : [1, inShape[1]];
  const [oh, ow] = twoD ? [outShape[1], outShape[2]] : [1, outShape[1]];
  const [sh, sw] = twoD ? stride : [1, stride[0]];
  const [ph, pw] = twoD ? pad : [0, pad[0]];
  const [dh, dw] = twoD ? dil : [1, dil[0]];
  const cOutG = cOut / groups;
  const acc = new Float64Array(cOut * oh * ow);
  for (let co = 0; co < cOut; co++) acc.fill(bias.data[co], co * oh * ow, (co + 1) * oh * ow);
  const wd = w.data;
  for (let ci = 0; ci < inShape[0]; ci++) {
    const g = Math.floor(ci / cInG);
    const cil = ci - g * cInG;
    for (let iy = 0; iy < ih; iy++) {
      for (let ix = 0; ix < iw; ix++) {
        const v = x[(ci * ih + iy) * iw + ix];
        if (v === 0) continue;
        for (let ky = 0; ky < kh; ky++) {
          const ty = iy + ph - ky * dh;
          if (ty < 0 || ty % sh !== 0) continue;
          const oy = ty / sh;
          if (oy >= oh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const tx = ix + pw - kx * dw;
            if (tx < 0 || tx % sw !== 0) continue;
            const ox = tx / sw;
            if (ox >= ow) continue;
            const o = oy * ow + ox;
            for (let co = g * cOutG; co < (g + 1) * cOutG; co++) acc[co * oh * ow + o] += v * wd[((co * cInG + cil) * kh + ky) * kw + kx];
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

function pool(
  x: Float32Array,
  inShape: readonly number[],
  outShape: readonly number[],
  node: Extract<NirNode, { type: 'AvgPool2d' | 'SumPool2d' }>,
): Float32Array {
  const [c, ih, iw] = inShape;
  const [, oh, ow] = outShape;
  const [kh, kw] = node.kernel_size;
  const div = node.type === 'AvgPool2d' ? kh * kw : 1;
  const out = new Float32Array(c * oh * ow);
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * node.stride[0] - node.padding[0] + ky;
          if (y < 0 || y >= ih) continue;
          for (let kx = 0; kx < kw; kx++) {
            const xx = ox * node.stride[1] - node.padding[1] + kx;
            if (xx >= 0 && xx < iw) s += x[(ch * ih + y) * iw + xx];
          }
        }
        out[(ch * oh + oy) * ow + ox] = s / div;
      }
    }
  }
  return out;
}

/** One time step with input `x` (the Input node's per-sample tensor); returns each Output node's value. */
export function stepNir(program: NirProgram, x: Float32Array): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  const outputs = new Map<string, Float32Array>();
  for (const name of program.order) {
    const node = program.graph.nodes.get(name)!;
    const ins = program.inputsOf.get(name)!;
    let input: Float32Array;
    if (node.type === 'Input') input = x;
    else {
      input = values.get(ins[0])!.slice();
      for (const other of ins.slice(1)) {
        const o = values.get(other)!;
        for (let i = 0; i < input.length; i++) input[i] += o[i];
      }
    }
    const inShape = node.type === 'Input' ? node.shape : program.shapes.get(ins[0])!;
    const outShape = program.shapes.get(name)!;
    let out: Float32Array;
    switch (node.type) {
      case 'Input':
      case 'Flatten':
        out = input;
        break;
      case 'Output':
        out = input;
        outputs.set(name, out);
        break;
      case 'Conv1d':
        out = conv(input, inShape, outShape, node.weight, node.bias, [node.stride], [node.padding], [node.dilation], node.groups);
        break;
      case 'Conv2d':
        out = conv(input, inShape, outShape, node.weight, node.bias, node.stride, node.padding, node.dilation, node.groups);
        break;
      case 'Affine':
      case 'Linear': {
        const [o, n] = node.weight.dims;
        out = new Float32Array(o);
        for (let i = 0; i < o; i++) {
          let s = node.type === 'Affine' ? node.bias.data[i] : 0;
          for (let j = 0; j < n; j++) s += node.weight.data[i * n + j] * input[j];
          out[i] = s;
        }
        break;
      }
      case 'IF': {
        const v = program.membranes.get(name)!;
        out = new Float32Array(v.length);
        let fired = 0;
        for (let i = 0; i < v.length; i++) {
          v[i] += node.r.data[i] * input[i];
          if (v[i] > node.v_threshold.data[i]) {
            out[i] = 1;
            v[i] = node.v_reset.data[i];
            fired++;
          }
        }
        program.spikes.set(name, program.spikes.get(name)! + fired);
        break;
      }
      case 'Scale':
        out = new Float32Array(input.length);
        for (let i = 0; i < input.length; i++) out[i] = input[i] * node.scale.data[i];
        break;
      case 'AvgPool2d':
      case 'SumPool2d':
        out = pool(input, inShape, outShape, node);
        break;
    }
    values.set(name, out);
  }
  return outputs;
}
