/**
 * A digit drawn on the page as MNIST's digits were made: the strokes' bounding box is scaled (aspect kept) to
 * fit a 20 × 20 box with area averaging (antialiased grey levels), then placed in the 28 × 28 image so that its
 * centre of mass sits at the centre. Pure: a coverage map in, bytes out.
 */

/** `ink[y * size + x]` in [0, 1] of a square drawing `size` pixels wide → 28 × 28 bytes (0 background, 255 ink). */
export function mnistFromDrawing(ink: Float32Array, size: number): Uint8Array {
  let x0 = size;
  let y0 = size;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (ink[y * size + x] <= 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  const out = new Uint8Array(28 * 28);
  if (x1 < 0) return out;
  const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = 20 / side; // output pixels per drawing pixel
  const w = Math.max(1, Math.round((x1 - x0 + 1) * scale));
  const h = Math.max(1, Math.round((y1 - y0 + 1) * scale));
  // area averaging: each box pixel is the mean ink of the drawing pixels it covers
  const box = new Float32Array(w * h);
  const area = new Float32Array(w * h);
  for (let y = y0; y <= y1; y++) {
    const by = Math.min(h - 1, Math.floor((y - y0) * scale));
    for (let x = x0; x <= x1; x++) {
      const bx = Math.min(w - 1, Math.floor((x - x0) * scale));
      box[by * w + bx] += ink[y * size + x];
      area[by * w + bx]++;
    }
  }
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = area[y * w + x] > 0 ? box[y * w + x] / area[y * w + x] : 0;
      box[y * w + x] = v;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const ox = Math.round(14 - mx / mass);
  const oy = Math.round(14 - my / mass);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx < 0 || ty < 0 || tx >= 28 || ty >= 28) continue;
      out[ty * 28 + tx] = Math.round(255 * Math.min(1, box[y * w + x]));
    }
  }
  return out;
}

/** Bytes `[C, H, W]` normalised as msat's data loader does: x' = (x/255 − mean[c]) / std[c], rounded to float32. */
export function normalizePixels(bytes: Uint8Array, channels: number, mean: readonly number[], std: readonly number[]): Float32Array {
  const plane = bytes.length / channels;
  const x = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const c = Math.floor(i / plane);
    const m = mean.length === 1 ? mean[0] : mean[c];
    const s = std.length === 1 ? std[0] : std[c];
    x[i] = (bytes[i] / 255 - m) / s;
  }
  return x;
}
