/**
 * Lines cut to a chart's y range before Vega-Lite sees them. Nothing is clipped by the renderer: resvg (the PNG
 * renderer) aborts the process on a clipped group whose line lies wholly outside the picture, as a series far
 * below a zoom does. Used by the accuracy chart and the accuracy-against-mean-steps chart.
 */

/** A vertex of a polyline: x in data units (a step, a mean step count), y in the chart's units (% accuracy). */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/** A vertex of the cut line; vertices of one `part` are drawn as one line. */
export interface ClippedXY extends XY {
  readonly part: number;
}

/**
 * Cuts the polyline `points` (in x order) to `[lo, hi]`: each segment that leaves the range ends where it
 * crosses the edge, and the line resumes where it comes back, in a new `part` (numbered from 0). Crossings are
 * interpolated along the straight segment as drawn, i.e. in log₂(x) on a log axis. A lone point inside the
 * range is a part of one vertex.
 */
export function clipPolyline(points: readonly XY[], xType: 'log' | 'linear', [lo, hi]: readonly [number, number]): ClippedXY[] {
  const toU = xType === 'log' ? Math.log2 : (x: number) => x;
  const fromU = xType === 'log' ? (u: number) => 2 ** u : (u: number) => u;
  const out: ClippedXY[] = [];
  let part = 0;
  let open = false;
  const push = (x: number, y: number) => out.push({ x, y, part });
  const close = () => {
    if (open) part++;
    open = false;
  };
  points.forEach((p, i) => {
    if (i === 0) {
      if (p.y >= lo && p.y <= hi) {
        push(p.x, p.y);
        open = true;
      }
      return;
    }
    const q = points[i - 1];
    const cut = clipSegment(q.y, p.y, lo, hi);
    if (!cut) return close();
    const [t0, t1] = cut;
    const at = (t: number) => {
      const u = toU(q.x) + t * (toU(p.x) - toU(q.x));
      const y = q.y + t * (p.y - q.y);
      return { x: t === 0 ? q.x : t === 1 ? p.x : fromU(u), y: Math.min(hi, Math.max(lo, y)) };
    };
    if (t0 > 0 || !open) {
      close();
      const a = at(t0);
      push(a.x, a.y);
      open = true;
    }
    const b = at(t1);
    push(b.x, b.y);
    if (t1 < 1) close();
  });
  return out;
}

/** The parameter range [t0, t1] ⊆ [0, 1] of the segment y0 → y1 that lies in [lo, hi], or undefined when none does. */
function clipSegment(y0: number, y1: number, lo: number, hi: number): [number, number] | undefined {
  if (y0 === y1) return y0 >= lo && y0 <= hi ? [0, 1] : undefined;
  const a = (lo - y0) / (y1 - y0);
  const b = (hi - y0) / (y1 - y0);
  const t0 = Math.max(0, Math.min(a, b));
  const t1 = Math.min(1, Math.max(a, b));
  return t0 <= t1 ? [t0, t1] : undefined;
}
