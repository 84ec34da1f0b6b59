/**
 * Which neurons of a spiking layer the raster shows: a small fixed subset, the same in the worker (which sends
 * only their spikes) and the page (which labels them). A conv layer `[C, H, W]` shows the centre of the map
 * (where digits and objects are) in channels spread over C, then the positions next to it; a dense layer
 * `[F]` evenly spaced neurons.
 */

/** Neurons per layer the raster shows. */
export const RASTER_NEURONS = 48;

/** Up to `count` flat indices into a sample's state of per-sample shape `dims`. */
export function pickNeurons(dims: readonly number[], count: number): Int32Array {
  const size = dims.reduce((a, d) => a * d, 1);
  const n = Math.min(count, size);
  const picks = new Int32Array(n);
  if (dims.length === 3) {
    const [C, H, W] = dims;
    // the map's positions nearest its centre first; every channel gets a neuron at one before the next
    const positions = Array.from({ length: H * W }, (_, p) => p).sort((a, b) => distance(a) - distance(b) || a - b);
    function distance(p: number): number {
      const dy = Math.floor(p / W) - (H >> 1);
      const dx = (p % W) - (W >> 1);
      return dy * dy + dx * dx;
    }
    const channels = Math.min(C, n);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(((i % channels) * C) / channels);
      picks[i] = c * H * W + positions[Math.floor(i / channels)];
    }
    return picks;
  }
  for (let i = 0; i < n; i++) picks[i] = Math.floor(((i + 0.5) * size) / n);
  return picks;
}

/** The spiking layers of an exported SNN: those with a spike-count state `n:<layer>`. */
export function spikeCountLayer(meaning: string): string | undefined {
  return meaning.startsWith('n:') ? meaning.slice(2) : undefined;
}
