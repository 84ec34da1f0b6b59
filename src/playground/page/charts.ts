/** The page's two small charts, drawn without a library: the readout bars (HTML) and the spike raster (canvas). */

/** One bar per class: the accumulated readout, scaled to the largest magnitude; the top class highlighted. */
export function renderBars(host: HTMLElement, values: ArrayLike<number>, names: readonly string[], top: number): void {
  let scale = 0;
  for (let c = 0; c < values.length; c++) scale = Math.max(scale, Math.abs(values[c]));
  if (host.childElementCount !== values.length) {
    host.replaceChildren(
      ...Array.from({ length: values.length }, (_, c) => {
        const row = document.createElement('div');
        row.className = 'bar';
        row.innerHTML = `<span class="name"></span><span class="track"><span class="fill"></span></span><span class="num"></span>`;
        row.querySelector('.name')!.textContent = names[c] ?? String(c);
        return row;
      }),
    );
  }
  for (let c = 0; c < values.length; c++) {
    const row = host.children[c] as HTMLElement;
    const v = values[c];
    const fill = row.querySelector<HTMLElement>('.fill')!;
    fill.style.width = `${scale > 0 ? (100 * Math.max(0, v)) / scale : 0}%`;
    row.classList.toggle('top', c === top);
    row.querySelector('.num')!.textContent = v.toFixed(2);
  }
}

/**
 * The raster: one row per picked neuron, one column per step, a tick per step with spikes (darker for more:
 * MSAT neurons can fire several units at once). `rows[t][i]` is neuron i's spikes at step t + 1; a line
 * after step `settled`, if given.
 */
export function renderRaster(canvas: HTMLCanvasElement, rows: readonly Float32Array[], steps: number, settled?: number): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 120;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const neurons = rows[0]?.length ?? 0;
  if (neurons === 0) return;
  const cw = width / Math.max(steps, rows.length);
  const rh = height / neurons;
  let peak = 0;
  for (const r of rows) for (let i = 0; i < r.length; i++) peak = Math.max(peak, r[i]);
  for (let t = 0; t < rows.length; t++) {
    for (let i = 0; i < neurons; i++) {
      const v = rows[t][i];
      if (v <= 0) continue;
      ctx.fillStyle = `rgba(20, 60, 160, ${0.35 + (0.65 * v) / peak})`;
      ctx.fillRect(t * cw + cw * 0.15, i * rh + rh * 0.1, Math.max(1, cw * 0.7), Math.max(1, rh * 0.8));
    }
  }
  if (settled !== undefined) {
    ctx.fillStyle = '#e07b00';
    ctx.fillRect(settled * cw - 1, 0, 2, height);
  }
}

/** A sample `[C, H, W]` as an image: each channel's values stretched to [0, 255] (grey for one channel). */
export function drawSample(canvas: HTMLCanvasElement, x: Float32Array, dims: readonly number[]): void {
  const [C, H, W] = dims.length === 3 ? dims : [1, 1, dims[0]];
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(W, H);
  const plane = H * W;
  for (let c = 0; c < Math.min(C, 3); c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < plane; i++) {
      lo = Math.min(lo, x[c * plane + i]);
      hi = Math.max(hi, x[c * plane + i]);
    }
    for (let i = 0; i < plane; i++) {
      const v = hi > lo ? (255 * (x[c * plane + i] - lo)) / (hi - lo) : 0;
      for (const k of C === 1 ? [0, 1, 2] : [c]) img.data[4 * i + k] = v;
    }
  }
  for (let i = 0; i < plane; i++) img.data[4 * i + 3] = 255;
  ctx.putImageData(img, 0, 0);
}
