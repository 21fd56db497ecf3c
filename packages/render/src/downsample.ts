import type { SeriesPoint } from '@pggraph/core'

/**
 * How {@link downsample} reduces a series.
 *
 * - `minmax`: per pixel column, keep the lowest and the highest point (in time order). Every
 *   peak and every trough survives exactly, so the chart looks like the raw one.
 * - `lttb`: Largest-Triangle-Three-Buckets, one point per pixel; smoother, keeps visually
 *   salient points (isolated peaks) but not every extreme.
 */
export type DownsampleMethod = 'lttb' | 'minmax'

/**
 * Reduce a time-sorted series to about one (`lttb`) or two (`minmax`) points per pixel of
 * `width`, before Vega sees it: a month of 1-minute data costs what 1,600 points cost and still
 * shows every spike. Gaps (`null` values) are kept as gaps: points are never joined across them.
 *
 * @example
 * ```ts
 * const small = downsample(series.points, 800)          // ≤ 1,600 points, peaks kept
 * const smooth = downsample(series.points, 800, 'lttb') // ≤ 800 points
 * ```
 */
export function downsample(
  points: readonly SeriesPoint[],
  width: number,
  method: DownsampleMethod = 'minmax',
): SeriesPoint[] {
  const px = Math.max(1, Math.floor(width))
  const limit = method === 'minmax' ? 2 * px : px
  if (points.length <= limit) return points.slice()
  return method === 'minmax' ? minMax(points, px) : lttbWithGaps(points, px)
}

function minMax(points: readonly SeriesPoint[], px: number): SeriesPoint[] {
  const first = points[0]!.t
  const span = Math.max(1, points[points.length - 1]!.t - first)
  const out: SeriesPoint[] = []
  let bucket = -1
  let lo: SeriesPoint | undefined
  let hi: SeriesPoint | undefined
  const flush = (): void => {
    if (!lo || !hi) return
    if (lo === hi) out.push(lo)
    else if (lo.t <= hi.t) out.push(lo, hi)
    else out.push(hi, lo)
    lo = hi = undefined
  }
  for (const p of points) {
    if (p.v === null) {
      flush()
      if (out.length > 0 && out[out.length - 1]!.v !== null) out.push(p)
      continue
    }
    const b = Math.min(px - 1, Math.floor(((p.t - first) / span) * px))
    if (b !== bucket) {
      flush()
      bucket = b
    }
    if (!lo || p.v < lo.v!) lo = p
    if (!hi || p.v > hi.v!) hi = p
  }
  flush()
  return out
}

/** LTTB per run of non-null points, each run getting its share of the pixels. */
function lttbWithGaps(points: readonly SeriesPoint[], px: number): SeriesPoint[] {
  const runs: SeriesPoint[][] = []
  let run: SeriesPoint[] = []
  let nonNull = 0
  for (const p of points) {
    if (p.v === null) {
      if (run.length > 0) runs.push(run)
      run = []
    } else {
      run.push(p)
      nonNull++
    }
  }
  if (run.length > 0) runs.push(run)
  const out: SeriesPoint[] = []
  for (const r of runs) {
    if (out.length > 0) out.push({ t: r[0]!.t, v: null })
    const share = Math.max(3, Math.round((px * r.length) / Math.max(1, nonNull)))
    out.push(...lttb(r, share))
  }
  return out
}

/** Largest-Triangle-Three-Buckets (Steinarsson 2013) over non-null points. */
function lttb(data: readonly SeriesPoint[], threshold: number): SeriesPoint[] {
  if (threshold >= data.length || threshold < 3) return data.slice()
  const out: SeriesPoint[] = [data[0]!]
  const every = (data.length - 2) / (threshold - 2)
  let a = 0
  for (let i = 0; i < threshold - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, data.length)
    let avgT = 0
    let avgV = 0
    for (let j = nextStart; j < nextEnd; j++) {
      avgT += data[j]!.t
      avgV += data[j]!.v!
    }
    const n = Math.max(1, nextEnd - nextStart)
    avgT /= n
    avgV /= n
    const start = Math.floor(i * every) + 1
    const end = Math.floor((i + 1) * every) + 1
    const pa = data[a]!
    let best = start
    let bestArea = -1
    for (let j = start; j < end; j++) {
      const p = data[j]!
      const area = Math.abs((pa.t - avgT) * (p.v! - pa.v!) - (pa.t - p.t) * (avgV - pa.v!))
      if (area > bestArea) {
        bestArea = area
        best = j
      }
    }
    out.push(data[best]!)
    a = best
  }
  out.push(data[data.length - 1]!)
  return out
}

/**
 * Reduce a series onto a fixed time grid of `buckets` columns over `from`..`to`: one point per
 * non-empty column, stamped at the column's start, holding the column's largest value (peaks
 * kept). Stacked areas need this: every series then shares the same timestamps, so the stack
 * never mixes one series' point with another's missing one.
 */
export function downsampleToGrid(
  points: readonly SeriesPoint[],
  from: number,
  to: number,
  buckets: number,
): SeriesPoint[] {
  const n = Math.max(1, Math.floor(buckets))
  const span = Math.max(1, to - from)
  const out: SeriesPoint[] = []
  let cur = -1
  let best: number | null = null
  const flush = (): void => {
    if (cur >= 0) out.push({ t: from + Math.round((cur * span) / n), v: best })
  }
  for (const p of points) {
    const b = Math.min(n - 1, Math.max(0, Math.floor(((p.t - from) / span) * n)))
    if (b !== cur) {
      flush()
      cur = b
      best = null
    }
    if (p.v !== null && (best === null || p.v > best)) best = p.v
  }
  flush()
  return out
}
