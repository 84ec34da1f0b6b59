/**
 * Static shape inference over the IR with a symbolic batch dimension `'N'`. Pure functions: no I/O, no
 * onnxruntime. The importer uses them to fold PyTorch's shape glue (`Shape -> Gather -> ... -> Reshape`) and
 * to give every layer its `outShape`; later passes (calibration buffers, simulator state) size tensors from it.
 */
import { MsatError } from '../core/index.js';
import type { Dim, LayerSpec, Shape } from './network.js';

function shapeError(layer: { name: string; kind: string }, message: string): MsatError {
  return new MsatError('MODEL_SHAPE', `layer "${layer.name}" (${layer.kind}): ${message}`);
}

/** `[N, 3, 32, 32]` style text for messages. */
export function formatShape(shape: readonly (Dim | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements per sample: the product of all dims except a leading `'N'`. Throws if 'N' appears elsewhere. */
export function sizePerSample(shape: Shape): number {
  let n = 1;
  shape.forEach((d, i) => {
    if (d === 'N') {
      if (i !== 0) throw new MsatError('MODEL_SHAPE', `batch dimension at position ${i} of ${formatShape(shape)}`);
    } else n *= d;
  });
  return n;
}

/**
 * Output length of a convolution or pooling window along one axis (ONNX/PyTorch formula). With `ceilMode`,
 * a last window that would start entirely in the end padding is dropped, as PyTorch and onnxruntime do.
 */
export function windowOutputSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceilMode: boolean): number {
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= input + padBegin) out--;
  return out;
}

/** NumPy-style broadcast of two shapes; `'N'` broadcasts against 1 and itself only. Undefined if incompatible. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else return undefined;
  }
  return out;
}

/**
 * Resolves a Reshape target (`-1` inferred, `0` copies the input dim unless `allowZero`) against an input
 * shape whose batch is `'N'`, so that the output keeps `'N'` first. `staticBatch` is the batch size the
 * source model was exported with, if it was fixed: a literal `target[0]` equal to it means "the batch".
 * Returns undefined when the target would mix the batch into other axes (msat cannot represent that).
 */
export function resolveReshapeTarget(input: Shape, target: readonly Dim[], allowZero: boolean, staticBatch?: number): Dim[] | undefined {
  if (input[0] !== 'N' || target.length === 0) return undefined;
  const perSample = sizePerSample(input);
  const dims: Dim[] = target.map((t, i) => (t === 0 && !allowZero && i < input.length ? input[i] : t));
  const first = dims[0];
  const rest = dims.slice(1);
  if (rest.some((d) => d === 'N' || (typeof d === 'number' && d < -1))) return undefined;
  const restKnown = rest.filter((d): d is number => d !== -1) as number[];
  const knownProduct = restKnown.reduce((p, d) => p * d, 1);
  const minusOnes = rest.filter((d) => d === -1).length;
  const batchFirst = first === 'N' || first === -1 || (typeof first === 'number' && first === staticBatch);
  if (!batchFirst || minusOnes > 1) return undefined;
  if (first === -1 && minusOnes > 0) return undefined;
  if (minusOnes === 1) {
    if (knownProduct === 0 || perSample % knownProduct !== 0) return undefined;
    return ['N', ...rest.map((d) => (d === -1 ? perSample / knownProduct : d))];
  }
  if (knownProduct !== perSample) return undefined;
  return ['N', ...restKnown];
}

/** Normalizes a possibly negative axis for a tensor of rank `rank`; undefined if out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/**
 * The output shape of `layer` given the shapes of its inputs (in `layer.inputs` order).
 * @throws MsatError `MODEL_SHAPE` when the shapes do not fit the layer (wrong channel count, rank, ...).
 */
export function inferLayerShape(layer: LayerSpec, inputs: readonly Shape[]): Dim[] {
  const x = inputs[0];
  const rankAtLeast = (r: number): void => {
    if (x.length < r) throw shapeError(layer, `expects an input of rank >= ${r}, found ${formatShape(x)}`);
  };
  switch (layer.kind) {
    case 'conv': {
      const w = layer.weight.dims;
      const spatial = w.length - 2;
      if (x.length !== w.length) throw shapeError(layer, `weight ${formatShape(w)} needs an input of rank ${w.length}, found ${formatShape(x)}`);
      if (x[1] !== w[1] * layer.group) throw shapeError(layer, `expects ${w[1] * layer.group} input channels, found ${formatShape(x)}`);
      if (layer.bias && layer.bias.data.length !== w[0]) throw shapeError(layer, `bias has ${layer.bias.data.length} entries for ${w[0]} output channels`);
      const out: Dim[] = [x[0], w[0]];
      for (let i = 0; i < spatial; i++) {
        const n = windowOutputSize(x[2 + i] as number, w[2 + i], layer.strides[i], layer.pads[i], layer.pads[spatial + i], layer.dilations[i], false);
        if (n < 1) throw shapeError(layer, `kernel ${formatShape(w.slice(2))} does not fit input ${formatShape(x)}`);
        out.push(n);
      }
      return out;
    }
    case 'linear': {
      rankAtLeast(2);
      const [outF, inF] = layer.weight.dims;
      if (x[x.length - 1] !== inF) throw shapeError(layer, `weight [${outF}, ${inF}] needs ${inF} input features, found ${formatShape(x)}`);
      if (layer.bias && layer.bias.data.length !== outF) throw shapeError(layer, `bias has ${layer.bias.data.length} entries for ${outF} outputs`);
      return [...x.slice(0, -1), outF];
    }
    case 'batchnorm': {
      rankAtLeast(2);
      const c = layer.scale.data.length;
      if (x[1] !== c || [layer.bias, layer.mean, layer.variance].some((t) => t.data.length !== c)) {
        throw shapeError(layer, `statistics of ${c} channels do not match input ${formatShape(x)}`);
      }
      return [...x];
    }
    case 'relu':
      return [...x];
    case 'maxpool':
    case 'avgpool': {
      const spatial = layer.kernel.length;
      if (x.length !== spatial + 2) throw shapeError(layer, `a ${spatial}-D kernel needs an input of rank ${spatial + 2}, found ${formatShape(x)}`);
      const dil = layer.kind === 'maxpool' ? layer.dilations : layer.kernel.map(() => 1);
      const out: Dim[] = [x[0], x[1]];
      for (let i = 0; i < spatial; i++) {
        const n = windowOutputSize(x[2 + i] as number, layer.kernel[i], layer.strides[i], layer.pads[i], layer.pads[spatial + i], dil[i], layer.ceilMode);
        if (n < 1) throw shapeError(layer, `kernel ${formatShape(layer.kernel)} does not fit input ${formatShape(x)}`);
        out.push(n);
      }
      return out;
    }
    case 'globalavgpool':
      rankAtLeast(3);
      return [x[0], x[1], ...x.slice(2).map(() => 1)];
    case 'flatten': {
      const inner = x.slice(1, layer.axis);
      if (layer.axis < 1 || layer.axis > x.length || inner.some((d) => d !== 1)) {
        throw shapeError(layer, `axis ${layer.axis} on ${formatShape(x)} would merge the batch dimension with other axes`);
      }
      return [x[0], sizePerSample(['N', ...x.slice(layer.axis)])];
    }
    case 'reshape':
      if (layer.shape[0] !== 'N' || sizePerSample(layer.shape) !== sizePerSample(x)) {
        throw shapeError(layer, `cannot reshape ${formatShape(x)} to ${formatShape(layer.shape)}`);
      }
      return [...layer.shape];
    case 'transpose': {
      const p = layer.perm;
      if (p.length !== x.length || p[0] !== 0 || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
        throw shapeError(layer, `perm ${formatShape(p)} is not a batch-preserving permutation of ${formatShape(x)}`);
      }
      return p.map((i) => x[i]);
    }
    case 'squeeze': {
      if (layer.axes.some((a) => a < 1 || a >= x.length || x[a] !== 1)) {
        throw shapeError(layer, `cannot squeeze axes ${formatShape(layer.axes)} of ${formatShape(x)}`);
      }
      return x.filter((_, i) => !layer.axes.includes(i));
    }
    case 'unsqueeze': {
      const rank = x.length + layer.axes.length;
      if (layer.axes.some((a) => a < 1 || a >= rank) || new Set(layer.axes).size !== layer.axes.length) {
        throw shapeError(layer, `cannot unsqueeze ${formatShape(x)} at axes ${formatShape(layer.axes)}`);
      }
      const out: Dim[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) out.push(layer.axes.includes(i) ? 1 : x[k++]);
      return out;
    }
    case 'add': {
      const shapes = layer.constant ? [x, layer.constant.dims] : inputs;
      if (shapes.length !== 2) throw shapeError(layer, `expects two operands, found ${shapes.length}`);
      const out = broadcastShapes(shapes[0], shapes[1]);
      if (!out || out[0] !== 'N' || out.length !== x.length) {
        throw shapeError(layer, `cannot add ${formatShape(shapes[0])} and ${formatShape(shapes[1])} without changing the batch or rank`);
      }
      return out;
    }
    case 'concat': {
      const a = layer.axis;
      if (a < 1 || a >= x.length) throw shapeError(layer, `axis ${a} is not a non-batch axis of ${formatShape(x)}`);
      let total = 0;
      for (const s of inputs) {
        if (s.length !== x.length || s.some((d, i) => i !== a && d !== x[i])) {
          throw shapeError(layer, `inputs ${inputs.map(formatShape).join(', ')} differ outside axis ${a}`);
        }
        total += s[a] as number;
      }
      return x.map((d, i) => (i === a ? total : d));
    }
    case 'embedding':
      if (layer.weight.dims.length !== 2) throw shapeError(layer, `weight must be [vocab, dim], found ${formatShape(layer.weight.dims)}`);
      return [...x, layer.weight.dims[1]];
  }
}
