/**
 * Runs an SNN that `msat export --format onnx` wrote with nothing but onnxruntime-node, as a program in another
 * language would: every graph input except the data input and the `keep:` masks is state, reset to zeros, and
 * state input `X` comes back as output `X:out`. Knows nothing of msat's simulator.
 */
import * as ort from 'onnxruntime-node';

/** What the loop counted. */
export interface LoopResult {
  /** Correct predictions at steps 1..T: argmax (first maximum) of Σ readout, summed step by step in float64. */
  readonly correct: Float64Array;
  readonly samples: number;
  /** Whether `readout_sum:out` always equalled the running sum of the per-step `readout`. */
  readonly sumsAgree: boolean;
}

/**
 * Loops the model at `file` for T steps over each batch of samples (every sample from reset state). Inputs that
 * are neither the data nor state (Poisson `noise`, `keep:` masks; `[K·N, …]`) come from `perCall(name, dims)`.
 */
export async function loopExportedSnn(
  file: string,
  batches: AsyncIterable<{ x: { data: Float32Array; dims: readonly number[] }; labels: Int32Array }>,
  T: number,
  perCall?: { readonly K: number; readonly feed: (name: string, dims: number[]) => ort.Tensor },
): Promise<LoopResult> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  const correct = new Float64Array(T);
  let samples = 0;
  let sumsAgree = true;
  try {
    const dataInput = session.inputNames[0];
    for await (const { x, labels } of batches) {
      const B = labels.length;
      const state: Record<string, ort.Tensor> = {};
      const fresh: { name: string; dims: number[] }[] = [];
      for (const m of session.inputMetadata) {
        if (m.name === dataInput || !m.isTensor) continue;
        if (m.name === 'noise' || m.name.startsWith('keep:')) {
          fresh.push({ name: m.name, dims: m.shape.map((d) => (typeof d === 'number' ? d : B * (perCall?.K ?? 1))) });
          continue;
        }
        const dims = m.shape.map((d) => (typeof d === 'number' ? d : B));
        const size = dims.reduce((a, d) => a * d, 1);
        state[m.name] =
          m.type === 'float64' ? new ort.Tensor('float64', new Float64Array(size), dims) : new ort.Tensor('float32', new Float32Array(size), dims);
      }
      const input = new ort.Tensor('float32', x.data, [...x.dims]);
      const running = new Float64Array(state['readout_sum'].data.length);
      const classes = running.length / B;
      for (let t = 0; t < T;) {
        const extra = Object.fromEntries(fresh.map(({ name, dims }) => [name, perCall!.feed(name, dims)]));
        const out = await session.run({ [dataInput]: input, ...state, ...extra });
        for (const name of Object.keys(state)) state[name] = out[`${name}:out`];
        const readout = out['readout'].data as Float32Array;
        const steps = out['readout'].dims[0] / B;
        for (let j = 0; j < steps && t < T; j++, t++) {
          for (let e = 0; e < running.length; e++) running[e] += readout[j * running.length + e];
          for (let i = 0; i < B; i++) {
            let best = 0;
            for (let c = 1; c < classes; c++) if (running[i * classes + c] > running[i * classes + best]) best = c;
            if (best === labels[i]) correct[t]++;
          }
        }
        const sum = state['readout_sum'].data as Float64Array;
        if (t % steps === 0 && !running.every((v, e) => v === sum[e])) sumsAgree = false;
      }
      samples += B;
    }
  } finally {
    await session.release();
  }
  return { correct, samples, sumsAgree };
}

/** The model's ANN run with onnxruntime alone: correct top-1 predictions over the batches. */
export async function countAnnCorrect(
  file: string,
  batches: AsyncIterable<{ x: { data: Float32Array; dims: readonly number[] }; labels: Int32Array }>,
): Promise<number> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  let hits = 0;
  try {
    for await (const { x, labels } of batches) {
      const out = (await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.data, [...x.dims]) }))[session.outputNames[0]]
        .data as Float32Array;
      const classes = out.length / labels.length;
      for (let i = 0; i < labels.length; i++) {
        let best = 0;
        for (let c = 1; c < classes; c++) if (out[i * classes + c] > out[i * classes + best]) best = c;
        if (best === labels[i]) hits++;
      }
    }
  } finally {
    await session.release();
  }
  return hits;
}
